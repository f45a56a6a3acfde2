from __future__ import annotations

import pytest

from surveys.models import ImportBatch
from surveys.services.imports import import_batch_start
from tests.factories import hq_user
from tests.surveys.files import csv_bytes, upload

ORG_HEADER = ["地市编码", "地市名称", "类型", "编码", "名称"]
HALL_HEADER = ["营业厅编码", "名称", "地市编码", "区县编码", "营销单元编码", "类型", "地址", "开业月份", "关闭月份"]
STAFF_HEADER = ["营业厅编码", "工号", "姓名", "用工类型", "首月", "末月"]
USER_HEADER = ["用户名", "姓名", "角色", "管辖范围编码", "邮箱", "启用"]

ORG_ROWS = [
    ORG_HEADER,
    ["SJZ", "石家庄分公司", "区县", "SJZ-01", "长安区分公司"],
    ["SJZ", "石家庄分公司", "区县", "SJZ-02", "桥西区分公司"],
    ["SJZ", "石家庄分公司", "营销单元", "SJZ-U1", "石家庄一单元"],
    ["BD", "保定分公司", "区县", "BD-01", "竞秀区分公司"],
    ["BD", "保定分公司", "营销单元", "BD-U1", "保定一单元"],
]
HALL_ROWS = [
    HALL_HEADER,
    ["SJZ-01-001", "中山路营业厅", "SJZ", "SJZ-01", "SJZ-U1", "自办厅", "中山路 1 号", "2020-01", ""],
    ["SJZ-01-002", "建设路营业厅", "SJZ", "SJZ-01", "SJZ-U1", "合作厅", "", "2021-06", ""],
    ["SJZ-02-001", "新华路营业厅", "SJZ", "SJZ-02", "SJZ-U1", "自办厅", "", "2020-01", ""],
    ["BD-01-001", "朝阳大街营业厅", "BD", "BD-01", "BD-U1", "自办厅", "", "2020-01", ""],
]


@pytest.fixture
def importer(db, django_capture_on_commit_callbacks):
    """``importer(kind, rows)`` uploads the rows as a CSV file the way the page does (as ``importer.hq``
    unless ``user`` is given) and runs the batch's task once the upload commits; returns the finished batch."""

    class Run:
        hq = hq_user(username="hq-importer")

        def __call__(self, kind: str, rows: list[list], *, user=None) -> ImportBatch:
            with django_capture_on_commit_callbacks(execute=True):
                batch = import_batch_start(
                    kind=kind, upload=upload(f"{kind}.csv", csv_bytes(rows)), user=user or self.hq
                )
            batch.refresh_from_db()
            return batch

    return Run()
