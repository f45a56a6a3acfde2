"""Runs of the grading: concurrency, re-grading after publication, what-if, scale, schedule, commands, export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from halls.errors import ApplicationError
from halls.spreadsheets import cell_safe
from inspections.models import Indicator, InspectionItem
from inspections.services.tree import scheme_copy_to_draft
from scoring.models import GradingRun, HallMonthResult, PolicyState, ResultChange, RunState
from scoring.selectors.grading import month_is_published, run_differences, run_live_for_month, run_review
from scoring.services import (
    grade_month,
    grading_previous_month_draft,
    grading_run_execute,
    grading_run_start,
    month_publish,
)
from scoring.services.export import results_export
from scoring.services.policy import policy_draft_create
from tests.factories import DistrictFactory, HallFactory
from tests.scoring.conftest import FEB, JAN
from tests.scoring.factories import complaint_add, inspection_add, response_add, visit_add

pytestmark = pytest.mark.django_db


def test_a_second_run_of_a_month_while_one_is_running_is_refused(province):
    grading_run_start(month=JAN, user=province.hq)
    with pytest.raises(ApplicationError, match="2026-01 的评定正在进行中"):
        grade_month(month=JAN, user=province.hq)


def test_the_database_refuses_two_running_runs_of_a_month_even_past_the_service(province):
    GradingRun.objects.create(month=JAN, revision=1, policy=province.policy)
    with pytest.raises(IntegrityError), transaction.atomic():
        GradingRun.objects.create(month=JAN, revision=2, policy=province.policy)


def test_a_what_if_started_during_a_run_hits_the_constraint_and_gets_a_clear_message(province):
    grading_run_start(month=JAN, user=province.hq)
    draft = policy_draft_create(based_on=province.policy, effective_from=JAN)
    with pytest.raises(ApplicationError, match="正在进行中"):
        grading_run_start(month=JAN, policy=draft, what_if=True)


def test_a_run_that_dies_before_writing_leaves_the_month_as_it_was(province, monkeypatch):
    first = grade_month(month=JAN, user=province.hq)
    before = list(HallMonthResult.objects.filter(run=first).order_by("hall_id").values_list("hall_id", "composite"))
    response_add(province.halls[1], JAN, overall=1)  # would change h1

    def killed(**kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr("scoring.services.grading._results_write", killed)
        with pytest.raises(SystemExit):
            grade_month(month=JAN, user=province.hq)
    after = list(HallMonthResult.objects.filter(run=first).order_by("hall_id").values_list("hall_id", "composite"))
    assert after == before
    # The message is redelivered (acks_late): the run is still running, and executing it again finishes it.
    assert GradingRun.objects.get(pk=first.pk).state == RunState.RUNNING
    finished = grading_run_execute(run_id=first.pk)
    assert finished.state == RunState.DRAFT
    h1 = HallMonthResult.objects.get(run=first, hall=province.halls[1])
    # satisfaction now the mean of 90 and 10 = 50: 38 + 15 + 19 + 10 = 82.00
    assert h1.composite == Decimal("82.00")
    assert grading_run_execute(run_id=first.pk).state == RunState.DRAFT  # a third delivery changes nothing


def test_halls_closed_before_the_month_or_opened_after_it_are_left_out(province):
    province.halls[3].closed_on = dt.date(2025, 12, 31)
    province.halls[3].save()
    run = grade_month(month=JAN)
    graded_halls = set(HallMonthResult.objects.filter(run=run).values_list("hall__code", flat=True))
    assert "h03" not in graded_halls and "h12" not in graded_halls and "h04" in graded_halls


def test_a_published_month_cannot_be_regraded_without_a_reason(province):
    grade_month(month=JAN, user=province.hq)
    month_publish(month=JAN, user=province.hq)
    with pytest.raises(ApplicationError, match="2026-01 已发布，重评须填写原因"):
        grade_month(month=JAN, user=province.hq)


def test_regrading_a_published_month_records_a_revision_with_its_per_hall_changes(province):
    grade_month(month=JAN, user=province.hq)
    first = month_publish(month=JAN, user=province.hq)
    # An upheld appeal adds a substantiated complaint to h1: complaint score 100 → 80,
    # composite 38 + 27 + 19 + 8 = 92.00 (was 94.00); still first (h2 has 91.80), still A.
    complaint_add(province.halls[1], JAN)
    second = grade_month(month=JAN, user=province.hq, reason="申诉改判：投诉属实")
    assert (second.revision, second.state, second.reason) == (2, RunState.DRAFT, "申诉改判：投诉属实")
    assert month_is_published(month=JAN)  # the published revision stands until the new one is published
    changes = list(ResultChange.objects.filter(run=second).values_list("hall__code", "field", "before", "after"))
    assert changes == [("h01", "composite", "94.00", "92.00")]
    month_publish(month=JAN, user=province.hq)
    first.refresh_from_db()
    assert first.state == RunState.SUPERSEDED
    assert run_live_for_month(month=JAN) == GradingRun.objects.get(month=JAN, revision=2)
    assert run_review(run=second)["changes"][0].after == "92.00"


def test_what_if_against_a_draft_policy_shows_per_hall_differences_without_publishing(province):
    live = grade_month(month=JAN, user=province.hq)
    draft = policy_draft_create(based_on=province.policy, effective_from=JAN)
    draft.weight_mystery, draft.weight_satisfaction = Decimal("50"), Decimal("20")
    draft.save()
    what_if = grade_month(month=JAN, user=province.hq, policy=draft, what_if=True)
    assert what_if.is_what_if and what_if.state == RunState.DRAFT
    diffs = {d["result"].hall.code: d for d in run_differences(run=what_if, against=live)}
    # h1: 95 × 0.5 + 90 × 0.2 + 95 × 0.2 + 10 = 94.50 (live 94.00)
    assert diffs["h01"]["result"].composite == Decimal("94.50")
    assert diffs["h01"]["delta"] == Decimal("0.50")
    assert "h11" not in diffs  # not graded either way
    assert not month_is_published(month=JAN)
    assert run_live_for_month(month=JAN) == live
    with pytest.raises(ApplicationError, match="没有待发布"):
        month_publish(month=FEB)


def test_a_draft_policy_is_refused_for_a_real_run(province):
    draft = policy_draft_create(based_on=province.policy, effective_from=JAN)
    assert draft.state == PolicyState.DRAFT
    with pytest.raises(ApplicationError, match="草稿请用模拟评定"):
        grade_month(month=JAN, policy=draft)


def test_what_if_against_a_draft_tree_rescores_the_items(province):
    """One overt inspection of h11 on tree v1 (A1.1 25, A1.2 15, A2.1 20, B1.1 30, B1.2 10 may be N/A):
    A1.1 20/25, A1.2 15/15, A2.1 20/20, B1.1 30/30, B1.2 N/A → 85 of 90 = 94.44.
    Live: inspection 94.44 × 20/30 + complaint 100 × 10/30 = 62.96 + 33.33 = 96.29.
    Draft tree with A1.1 worth 50: 40/50 + 15 + 20 + 30 = 105 of 115 = 91.30 → 60.87 + 33.33 = 94.20."""
    hall = province.halls[11]
    inspection = inspection_add(hall, FEB, scheme=province.v1, awarded=85, applicable=90)
    by_code = {i.code: i for i in Indicator.objects.filter(scheme=province.v1)}
    for code, points, max_points in [("A1.1", 20, 25), ("A1.2", 15, 15), ("A2.1", 20, 20), ("B1.1", 30, 30)]:
        InspectionItem.objects.create(
            inspection=inspection, indicator=by_code[code], points=Decimal(points), max_points=Decimal(max_points)
        )
    InspectionItem.objects.create(
        inspection=inspection, indicator=by_code["B1.2"], not_applicable=True, max_points=Decimal(10)
    )
    live = grade_month(month=FEB, user=province.hq)
    draft = scheme_copy_to_draft(scheme=province.v2, effective_from=dt.date(2026, 4, 1), name="v3")
    Indicator.objects.filter(scheme=draft, code="A1.1").update(points=Decimal(50))
    what_if = grade_month(month=FEB, user=province.hq, scheme=draft, what_if=True)
    live_h11 = HallMonthResult.objects.get(run=live, hall=hall)
    what_if_h11 = HallMonthResult.objects.get(run=what_if, hall=hall)
    assert (live_h11.inspection_score, live_h11.composite) == (Decimal("94.44"), Decimal("96.29"))
    assert (what_if_h11.inspection_score, what_if_h11.composite) == (Decimal("91.30"), Decimal("94.20"))


def _evidence_for(halls, month, scheme):
    for hall in halls:
        visit_add(hall, month, scheme=scheme, awarded=80)
        inspection_add(hall, month, scheme=scheme, awarded=70, bonus=1)
        response_add(hall, month, overall=8)
        complaint_add(hall, month)


RESULT_INSERT = 'INSERT INTO "scoring_hallmonthresult"'


def _queries_of_grading(month) -> tuple[int, int]:
    """(queries other than the result INSERT, the result INSERTs as the driver saw them)."""
    with CaptureQueriesContext(connection) as ctx:
        grade_month(month=month)
    inserts = sum(1 for q in ctx.captured_queries if RESULT_INSERT in q["sql"])
    return len(ctx.captured_queries) - inserts, inserts


def test_grading_takes_the_same_number_of_queries_for_10_and_200_halls(province):
    """January: the province's 11 open halls; February: 12 + 190 halls opened on 1 February = 202."""
    district = DistrictFactory()
    new_halls = [HallFactory(district=district, opened_on=FEB) for _ in range(190)]
    _evidence_for(new_halls, FEB, province.v1)
    january = _queries_of_grading(JAN)
    february = _queries_of_grading(FEB)
    assert HallMonthResult.objects.filter(month=FEB).count() == 202
    assert HallMonthResult.objects.filter(month=JAN).count() == 11
    assert january == february, (january, february)
    # The rows go in one statement whatever their number: one executemany on SQLite ("202 times: INSERT
    # …" in the log); COPY on PostgreSQL, which runs on the raw cursor and so is not in the log at all.
    assert february[1] == (0 if connection.vendor == "postgresql" else 1)


def test_the_schedule_drafts_last_month_and_leaves_a_published_month_alone(province):
    run = grading_previous_month_draft(today=dt.date(2026, 2, 1))
    assert run.month == JAN and run.state == RunState.DRAFT
    month_publish(month=JAN)
    assert grading_previous_month_draft(today=dt.date(2026, 2, 1)) is None
    assert GradingRun.objects.filter(month=JAN).count() == 1


def test_commands_grade_publish_and_export_a_month(province, tmp_path):
    out = io.StringIO()
    call_command("grade_month", "2026-01", stdout=out)
    assert "2026-01 revision 1: 10 graded, 1 not graded" in out.getvalue()
    call_command("publish_month", "2026-01", stdout=io.StringIO())
    assert month_is_published(month=JAN)
    out = io.StringIO()
    call_command("export_results", "2026-01", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:6] == ["营业厅编码", "营业厅名称", "地市", "区县", "综合得分", "等级"]
    assert rows[1][0] == "h01" and rows[1][4] == "94.00" and rows[1][5] == "A"
    target = tmp_path / "jan.xlsx"
    call_command("export_results", "2026-01", "--format", "xlsx", "--output", str(target), stderr=io.StringIO())
    sheet = load_workbook(target).active
    assert sheet.cell(row=2, column=1).value == "h01" and sheet.cell(row=2, column=5).value == 94.0


def test_a_bad_month_is_a_clear_command_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="月份格式应为 YYYY-MM"):
        call_command("grade_month", "2026-13")


def test_exports_escape_cells_that_look_like_formulas(province):
    hall = province.halls[1]
    hall.name = '=HYPERLINK("http://evil")'
    hall.save()
    grade_month(month=JAN)
    _run, data = results_export(month=JAN, fmt="csv")
    assert "'=HYPERLINK" in data.decode("utf-8-sig")
    _run, data = results_export(month=JAN, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.cell(row=2, column=2).value == '\'=HYPERLINK("http://evil")'
    header = [cell.value for cell in sheet[1]]
    grouping = header.index("状态评定分组")
    assert header[grouping : grouping + 3] == ["状态评定分组", "组内排名", "组内营业厅数"]
    graded = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[grouping + 1] is not None]
    assert graded and all(row[grouping] == "按地市" for row in graded)  # the default policy groups by city
    assert all(row[grouping + 1] == row[header.index("地市排名")] for row in graded)
    assert cell_safe(-3) == -3 and cell_safe("-3") == "'-3" and cell_safe("正常") == "正常"


def test_the_demo_grades_each_month_and_leaves_the_latest_as_a_draft(world):
    from inspections.services.tree import default_tree_load
    from scoring.demo import demo_grading_run

    default_tree_load()
    demo_grading_run(months=3, today=dt.date(2026, 4, 15))
    states = dict(GradingRun.objects.values_list("month", "state"))
    assert states == {
        dt.date(2026, 1, 1): RunState.PUBLISHED,
        dt.date(2026, 2, 1): RunState.PUBLISHED,
        dt.date(2026, 3, 1): RunState.DRAFT,
    }
    demo_grading_run(months=3, today=dt.date(2026, 4, 15))  # again: nothing published twice
    assert GradingRun.objects.count() == 3


def test_the_export_gives_the_status_each_hall_carried_in_the_month_beside_the_one_set_for_next_month(province):
    run = grade_month(month=JAN)
    hall = province.halls[1]
    # The status a hall carries in a month was set by the month before; here, recorded as monitored.
    HallMonthResult.objects.filter(run=run, hall=hall).update(status="monitored", next_status="normal")
    _run, data = results_export(month=JAN, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    row = next(r for r in rows if r["营业厅编码"] == hall.code)
    assert (row["当月状态"], row["下月状态"]) == ("全方位监控厅", "正常")
    header = list(rows[0])
    assert header.index("当月状态") + 1 == header.index("下月状态")
