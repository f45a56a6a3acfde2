"""Complaints, activity participation, bonus and deduction events, service volumes, staff service points."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from surveys.models import (
    ActivityParticipation,
    AdjustmentKind,
    Complaint,
    HallAdjustment,
    ImportKind,
    ImportState,
    ServiceVolume,
    StaffServicePoints,
)
from tests.factories import StaffFactory
from tests.surveys.files import csv_bytes, xlsx_bytes


def test_complaints_import_with_substantiated_flag_and_month(world, run_import):
    rows = [
        ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"],
        ["T1", world.hall_a1.code, "2026-03-31 23:30", "服务态度", "10086", "是"],
        ["T2", world.hall_a1.code, dt.datetime(2026, 4, 1, 8, 0), "等候时间", "工信部", "否"],
    ]
    batch = run_import(ImportKind.COMPLAINTS, "c.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    t1, t2 = Complaint.objects.get(external_id="T1"), Complaint.objects.get(external_id="T2")
    assert (t1.substantiated, t1.month) == (True, dt.date(2026, 3, 1))
    assert (t2.substantiated, t2.month) == (False, dt.date(2026, 4, 1))
    again = run_import(ImportKind.COMPLAINTS, "c.xlsx", xlsx_bytes(rows))
    assert (again.rows_created, again.rows_skipped, Complaint.objects.count()) == (0, 2, 2)


def test_a_complaint_with_an_unclear_substantiated_flag_is_refused(world, run_import):
    rows = [
        ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"],
        ["T1", world.hall_a1.code, "2026-03-31", "服务态度", "10086", "待定"],
    ]
    batch = run_import(ImportKind.COMPLAINTS, "c.csv", csv_bytes(rows))
    assert batch.errors == [{"row": 2, "column": "是否属实", "reason": "应为“是”或“否”：待定"}]


def test_activities_and_adjustments_import(world, run_import):
    activities = [
        ["记录编号", "营业厅编码", "日期", "活动", "积分"],
        ["A1", world.hall_b2.code, "2026-03-15", "315", "2.5"],
    ]
    assert run_import(ImportKind.ACTIVITIES, "a.xlsx", xlsx_bytes(activities)).state == ImportState.SUCCEEDED
    assert ActivityParticipation.objects.get().points == Decimal("2.50")
    adjustments = [
        ["记录编号", "营业厅编码", "日期", "类型", "分值", "事由"],
        ["J1", world.hall_b2.code, "2026-03-15", "加分", "1", "表扬信"],
        ["J2", world.hall_b2.code, "2026-03-16", "扣分", "2", "服务承诺未兑现"],
        ["J3", world.hall_b2.code, "2026-03-16", "罚款", "0", "?"],
    ]
    batch = run_import(ImportKind.ADJUSTMENTS, "j.xlsx", xlsx_bytes(adjustments))
    assert {(e["row"], e["column"]) for e in batch.errors} == {(4, "类型"), (4, "分值")}
    batch = run_import(ImportKind.ADJUSTMENTS, "j.xlsx", xlsx_bytes(adjustments[:3]))
    assert batch.state == ImportState.SUCCEEDED
    assert sorted(HallAdjustment.objects.values_list("external_id", "kind")) == [
        ("J1", AdjustmentKind.BONUS), ("J2", AdjustmentKind.DEDUCTION),
    ]  # fmt: skip


def test_a_deduction_event_for_a_complaint_is_refused_since_complaints_count_once(world, run_import):
    adjustments = [
        ["记录编号", "营业厅编码", "日期", "类型", "分值", "事由"],
        ["J1", world.hall_b2.code, "2026-03-16", "扣分", "2", "有效投诉 TS-2026-000001"],
        ["J2", world.hall_b2.code, "2026-03-16", "加分", "1", "客户撤回投诉并致谢"],
    ]
    batch = run_import(ImportKind.ADJUSTMENTS, "j.xlsx", xlsx_bytes(adjustments))
    assert batch.errors == [
        {"row": 2, "column": "事由", "reason": "属实投诉只在投诉维度计分一次（随投诉导入），不能再作为扣分事件导入"}
    ]
    assert not HallAdjustment.objects.exists()


def test_service_volumes_are_keyed_by_hall_and_month(world, run_import):
    header = ["营业厅编码", "月份", "前台办理量", "协助自助办理量", "自助终端办理量"]
    rows = [
        header,
        [world.hall_a1.code, "2026-03", "3200", "800", "1500"],
        [world.hall_a2.code, "2026年3月", "10", "0", "0"],
    ]
    batch = run_import(ImportKind.SERVICE_VOLUMES, "v.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    assert ServiceVolume.objects.get(hall=world.hall_a1).total == 5500
    bad = [header, [world.hall_a1.code, "2026-04", "1.5", "-1", ""], [world.hall_a1.code, "2026-04", "1", "1", "1"]]
    batch = run_import(ImportKind.SERVICE_VOLUMES, "v.xlsx", xlsx_bytes(bad))
    assert {(e["row"], e["column"]) for e in batch.errors} == {
        (2, "前台办理量"),
        (2, "协助自助办理量"),
        (2, "自助终端办理量"),
    }
    dup = [header, [world.hall_a1.code, "2026-04", "1", "1", "1"], [world.hall_a1.code, "2026-04", "2", "2", "2"]]
    batch = run_import(ImportKind.SERVICE_VOLUMES, "v.xlsx", xlsx_bytes(dup))
    assert batch.errors == [{"row": 3, "column": "营业厅编码 + 月份", "reason": "与第 2 行重复"}]
    assert ServiceVolume.objects.count() == 2


def test_staff_points_are_keyed_by_employee_and_month(world, run_import):
    person = StaffFactory(hall=world.hall_a1)
    rows = [["工号", "月份", "服务积点"], [person.employee_no, "2026-03", "120.5"], ["NOBODY", "2026-03", "1"]]
    batch = run_import(ImportKind.STAFF_POINTS, "p.xlsx", xlsx_bytes(rows))
    assert batch.errors == [{"row": 3, "column": "工号", "reason": "工号不存在：NOBODY"}]
    batch = run_import(ImportKind.STAFF_POINTS, "p.xlsx", xlsx_bytes(rows[:2]))
    assert batch.state == ImportState.SUCCEEDED
    assert StaffServicePoints.objects.get(staff=person).points == Decimal("120.50")


def test_a_file_with_a_header_and_only_blank_rows_under_it_is_refused_as_empty(world, run_import):
    header = ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"]
    batch = run_import(ImportKind.COMPLAINTS, "c.xlsx", xlsx_bytes([header, [""] * 6, [""] * 6]))
    assert batch.state == ImportState.REJECTED
    assert batch.errors == [{"row": 2, "column": "", "reason": "表头之下没有数据行：文件中没有可导入的数据"}]
    assert Complaint.objects.count() == 0


def test_volumes_and_staff_points_are_taken_after_publishing_until_the_months_split_is_approved(world, run_import):
    from django.utils import timezone

    from incentives.models import BonusSplit, SplitState
    from tests.incentives.factories import CoefficientTableFactory, GradingRunFactory

    march = dt.date(2026, 3, 1)
    run = GradingRunFactory(month=march)  # March's grading is published: the split can run now
    person = StaffFactory(hall=world.hall_a1)
    volumes = [["营业厅编码", "月份", "前台办理量", "协助自助办理量", "自助终端办理量"]]
    points = [["工号", "月份", "服务积点"]]
    batch = run_import(
        ImportKind.SERVICE_VOLUMES, "v.xlsx", xlsx_bytes([*volumes, [world.hall_a1.code, "2026-03", "9", "0", "0"]])
    )
    assert batch.state == ImportState.SUCCEEDED, (batch.message, batch.errors)
    batch = run_import(ImportKind.STAFF_POINTS, "p.xlsx", xlsx_bytes([*points, [person.employee_no, "2026-03", "5"]]))
    assert batch.state == ImportState.SUCCEEDED, (batch.message, batch.errors)

    BonusSplit.objects.create(
        month=march,
        revision=1,
        state=SplitState.APPROVED,
        grading_run=run,
        coefficients=CoefficientTableFactory(),
        approved_at=timezone.now(),
    )
    closed = "2026-03 的酬金分配已审批，不能再导入该月的业务量和服务积点"
    batch = run_import(
        ImportKind.SERVICE_VOLUMES, "v.xlsx", xlsx_bytes([*volumes, [world.hall_a2.code, "2026-03", "1", "0", "0"]])
    )
    assert batch.errors == [{"row": 2, "column": "月份", "reason": closed}]
    other = StaffFactory(hall=world.hall_a2)
    batch = run_import(ImportKind.STAFF_POINTS, "p.xlsx", xlsx_bytes([*points, [other.employee_no, "2026-03", "1"]]))
    assert batch.errors == [{"row": 2, "column": "月份", "reason": closed}]
    assert (ServiceVolume.objects.count(), StaffServicePoints.objects.count()) == (1, 1)
