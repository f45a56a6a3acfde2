"""A mystery-shopper visit names the clerk who served the shopper (column 当班营业员工号): its findings count in
his staff archive. On the drawn province of tests/halls/staff_world.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from inspections.models import InspectionItem, InspectionKind
from scoring.selectors.staff import staff_frame
from surveys.models import ImportKind, ImportState
from surveys.services.imports import import_batch_start
from tests.factories import hq_user
from tests.halls.staff_world import MARCH, staff_world_build
from tests.surveys.files import csv_bytes, upload

HEADER = ["暗访编号", "暗访机构", "营业厅编码", "暗访时间", "暗访场景", "暗访员编号", "当班营业员工号",
          "A1.1", "A1.2", "A2.1", "B1.1", "B1.2", "V", "X", "P", "备注"]  # fmt: skip


def visit(hall, staff_no, **points):
    values = {"A1.1": "25", "A1.2": "15", "A2.1": "20", "B1.1": "30", "B1.2": "10", "V": "否", "X": "", "P": ""}
    values.update(points)
    return ["MV-1", "甲调研", hall.code, "2026-03-15 10:30", "办理套餐", "S01", staff_no, *values.values(), ""]


@pytest.fixture
def world(db, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 20, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    return staff_world_build()


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    hq = hq_user(username="hq-visits")

    def run(rows):
        with django_capture_on_commit_callbacks(execute=True):
            batch = import_batch_start(
                kind=ImportKind.MYSTERY_VISITS, upload=upload("visits.csv", csv_bytes(rows)), user=hq
            )
        batch.refresh_from_db()
        return batch

    return run


def test_a_visits_findings_are_named_after_the_clerk_who_served(world, run_import):
    f = world.staff["f"]
    batch = run_import([HEADER, visit(world.h2, f.employee_no, **{"B1.1": "26", "X": "1"})])
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    named = dict(
        InspectionItem.objects.filter(inspection__kind=InspectionKind.MYSTERY, staff__isnull=False).values_list(
            "indicator__code", "staff_id"
        )
    )
    # Only what the visit found is his: B1.1 (lost 4) and the deduction X; full-marks items name nobody.
    assert named == {"B1.1": f.pk, "X": f.pk}
    rows = staff_frame(units=[world.h2.marketing_unit_id], months=[MARCH])
    score = rows.loc[rows["staff_id"] == f.pk, "score"].item()
    assert score == Decimal("95.00")  # 100 − 4 − 1


def test_a_visit_naming_a_clerk_of_another_hall_is_refused(world, run_import):
    batch = run_import([HEADER, visit(world.h2, world.staff["a"].employee_no, **{"B1.1": "26"})])
    assert batch.state == ImportState.REJECTED
    assert "不是该营业厅当月在职的营业员" in str(batch.errors)
    assert not InspectionItem.objects.filter(inspection__kind=InspectionKind.MYSTERY).exists()
