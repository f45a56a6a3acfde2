"""Rows of a month that has not begun are refused by every import kind that carries a month, and a bonus
pool cannot be set for one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from halls.errors import ApplicationError
from incentives.models import BonusPool
from incentives.services import bonus_pool_set
from surveys.models import Complaint, ImportKind, ImportState, ServiceVolume
from tests.factories import MarketingUnitFactory
from tests.surveys.files import xlsx_bytes

TODAY = dt.datetime(2026, 3, 15, 4, 0, tzinfo=dt.UTC)  # noon in Shanghai


@time_machine.travel(TODAY, tick=False)
def test_a_complaint_received_in_a_month_not_begun_is_refused_with_its_row(world, run_import):
    rows = [
        ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"],
        ["T1", world.hall_a1.code, "2026-03-05 10:00", "态度", "10086", "否"],
        ["T2", world.hall_a1.code, "2026-04-02 10:00", "态度", "10086", "否"],
    ]
    batch = run_import(ImportKind.COMPLAINTS, "c.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.REJECTED
    assert batch.errors == [{"row": 3, "column": "", "reason": "2026-04 尚未开始：不能录入或处理未来月份的数据"}]
    assert Complaint.objects.count() == 0


@time_machine.travel(TODAY, tick=False)
def test_service_volumes_of_the_current_month_are_taken_but_not_of_the_next(world, run_import):
    header = ["营业厅编码", "月份", "前台办理量", "协助自助办理量", "自助终端办理量"]
    now = run_import(
        ImportKind.SERVICE_VOLUMES, "v.xlsx", xlsx_bytes([header, [world.hall_a1.code, "2026-03", 1, 2, 3]])
    )
    assert now.state == ImportState.SUCCEEDED
    later = run_import(
        ImportKind.SERVICE_VOLUMES, "v.xlsx", xlsx_bytes([header, [world.hall_a2.code, "2026-04", 1, 2, 3]])
    )
    assert later.state == ImportState.REJECTED and "2026-04 尚未开始" in later.errors[0]["reason"]
    assert ServiceVolume.objects.count() == 1


@time_machine.travel(TODAY, tick=False)
def test_a_pool_of_a_month_not_begun_is_refused_in_a_file_and_on_the_page(world, run_import):
    unit = MarketingUnitFactory()
    rows = [["月份", "营销单元编码", "酬金池金额（元）"], ["2026-04", unit.code, "1000.00"]]
    batch = run_import(ImportKind.BONUS_POOLS, "p.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.REJECTED and "2026-04 尚未开始" in batch.errors[0]["reason"]
    with pytest.raises(ApplicationError, match="2026-04 尚未开始") as refused:
        bonus_pool_set(unit=unit, month=dt.date(2026, 4, 1), amount=Decimal("1000.00"))
    assert "month" in refused.value.field_errors
    assert not BonusPool.objects.exists()
    bonus_pool_set(unit=unit, month=dt.date(2026, 3, 1), amount=Decimal("1000.00"))
    assert BonusPool.objects.count() == 1
