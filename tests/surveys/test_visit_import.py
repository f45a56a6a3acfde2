"""Mystery-shopper visit imports against the small tree (see tests/surveys/conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from inspections.models import Inspection, InspectionItem, InspectionKind, InspectionState, Rectification
from surveys.models import ImportKind, ImportState
from tests.surveys.files import csv_bytes, xlsx_bytes

HEADER = ["暗访编号", "暗访机构", "营业厅编码", "暗访时间", "暗访场景", "暗访员编号", "A1.1", "A1.2", "A2.1", "B1.1",
          "B1.2 乙一二", "V", "X", "P", "备注"]  # fmt: skip


def visit_row(hall_code, visit_id="MV-1", when="2026-03-05 10:30", **points):
    values = {"A1.1": "25", "A1.2": "15", "A2.1": "20", "B1.1": "30", "B1.2": "10", "V": "否", "X": "", "P": ""}
    values.update(points)
    return [visit_id, "甲调研", hall_code, when, "办理套餐", "S01", values["A1.1"], values["A1.2"], values["A2.1"],
            values["B1.1"], values["B1.2"], values["V"], values["X"], values["P"], "好"]  # fmt: skip


@pytest.fixture
def setup(world, small_scheme, policy):
    return world


def test_a_valid_visit_file_creates_submitted_mystery_inspections_with_totals(setup, run_import, small_scheme):
    rows = [
        HEADER,
        # applicable 25 + 15 + 20 + 30 = 90 (B1.2 N/A); awarded 20 + 15 + 20 + 30 = 85; 85 / 90 × 100 = 94.44
        visit_row(setup.hall_a1.code, "MV-1", **{"A1.1": "20", "B1.2": "不适用", "X": "2", "P": "1"}),
        # applicable 100; awarded 100 − 5 = 95 → 95.00; veto triggered
        visit_row(setup.hall_b1.code, "MV-2", **{"B1.2": "5", "V": "是"}),
    ]
    batch = run_import(ImportKind.MYSTERY_VISITS, "visits.xlsx", xlsx_bytes(rows))

    assert batch.state == ImportState.SUCCEEDED, (batch.message, batch.errors)
    assert (batch.rows_total, batch.rows_created, batch.rows_skipped) == (2, 2, 0)
    first = Inspection.objects.get(external_id="MV-1")
    assert first.kind == InspectionKind.MYSTERY and first.state == InspectionState.SUBMITTED
    assert first.scheme == small_scheme
    assert (first.points_applicable, first.points_awarded, first.score) == (
        Decimal("90"),
        Decimal("85"),
        Decimal("94.44"),
    )
    assert (first.bonus_points, first.deduction_points, first.vetoed) == (Decimal("1"), Decimal("2"), False)
    assert first.inspected_at == dt.datetime(2026, 3, 5, 2, 30, tzinfo=dt.UTC)  # 10:30 in Asia/Shanghai
    assert first.month == dt.date(2026, 3, 1) and first.import_batch_id == batch.pk
    # Five scored items (one N/A), the deduction and the bonus; no veto row.
    assert first.items.count() == 7
    assert first.items.get(indicator__code="B1.2").not_applicable is True
    second = Inspection.objects.get(external_id="MV-2")
    assert (second.score, second.vetoed) == (Decimal("95.00"), True)
    # Lost points and vetoes open rectifications: A1.1 for MV-1; B1.2 and V for MV-2.
    assert sorted(Rectification.objects.values_list("inspection__external_id", "indicator__code")) == [
        ("MV-1", "A1.1"), ("MV-2", "B1.2"), ("MV-2", "V"),
    ]  # fmt: skip
    due = Rectification.objects.get(inspection=first).due_date
    assert due == dt.date(2026, 3, 5) + dt.timedelta(days=7)


def test_the_scheme_in_force_on_the_visit_date_scores_the_visit(setup, run_import, small_scheme):
    from inspections.models import Indicator
    from inspections.services.tree import scheme_activate, scheme_copy_to_draft

    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 6, 1))
    Indicator.objects.filter(scheme=draft, code="V").update(code="V2")
    scheme_activate(scheme=draft)
    rows = [HEADER, visit_row(setup.hall_a1.code, "MV-9", when="2026-07-01 09:00")]
    batch = run_import(ImportKind.MYSTERY_VISITS, "visits.xlsx", xlsx_bytes(rows))
    # July is governed by the new version, which has no code V: a value under V is an unknown indicator there.
    assert batch.state == ImportState.REJECTED
    assert {"row": 2, "column": "V", "reason": "该日适用的指标体系 v2 中没有此指标编码"} in batch.errors
    rows = [HEADER, visit_row(setup.hall_a1.code, "MV-9", when="2026-05-31 09:00")]
    batch = run_import(ImportKind.MYSTERY_VISITS, "visits.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.SUCCEEDED
    assert Inspection.objects.get(external_id="MV-9").scheme == small_scheme


def test_reimporting_the_same_file_adds_nothing(setup, run_import):
    data = xlsx_bytes([HEADER, visit_row(setup.hall_a1.code, "MV-1"), visit_row(setup.hall_a2.code, "MV-2")])
    run_import(ImportKind.MYSTERY_VISITS, "visits.xlsx", data)
    again = run_import(ImportKind.MYSTERY_VISITS, "visits.xlsx", data)
    assert again.state == ImportState.SUCCEEDED
    assert (again.rows_created, again.rows_skipped) == (0, 2)
    assert Inspection.objects.count() == 2
    assert InspectionItem.objects.count() == 10


def test_an_overlapping_file_adds_only_the_new_visits(setup, run_import):
    run_import(ImportKind.MYSTERY_VISITS, "a.xlsx", xlsx_bytes([HEADER, visit_row(setup.hall_a1.code, "MV-1")]))
    rows = [HEADER, visit_row(setup.hall_a1.code, "MV-1"), visit_row(setup.hall_a1.code, "MV-3")]
    batch = run_import(ImportKind.MYSTERY_VISITS, "b.csv", csv_bytes(rows))
    assert (batch.rows_created, batch.rows_skipped) == (1, 1)
    assert sorted(Inspection.objects.values_list("external_id", flat=True)) == ["MV-1", "MV-3"]


def test_the_same_visit_id_from_another_vendor_is_another_visit(setup, run_import):
    run_import(ImportKind.MYSTERY_VISITS, "a.xlsx", xlsx_bytes([HEADER, visit_row(setup.hall_a1.code, "MV-1")]))
    other = visit_row(setup.hall_a1.code, "MV-1")
    other[1] = "乙调研"
    batch = run_import(ImportKind.MYSTERY_VISITS, "b.xlsx", xlsx_bytes([HEADER, other]))
    assert batch.rows_created == 1
    assert Inspection.objects.count() == 2


def _errors(batch) -> set[tuple[int, str]]:
    return {(error["row"], error["column"]) for error in batch.errors}


def test_every_kind_of_bad_row_is_named_and_nothing_is_imported(setup, run_import):
    hall = setup.hall_a1.code
    rows = [
        HEADER,
        visit_row(hall, "OK-1"),  # row 2 is fine, yet is not imported either
        visit_row("NOPE", "BAD-3"),  # unknown hall
        visit_row(hall, "BAD-4", **{"A1.1": "26"}),  # above the indicator's 25 points
        visit_row(hall, "BAD-5", **{"A1.2": "abc"}),  # not a number
        visit_row(hall, "BAD-6", when="2026-13-45"),  # not a date
        visit_row(hall, "BAD-7", **{"A2.1": "=10+10"}),  # a formula
        [None] * len(HEADER),  # row 8: a blank line between data
        visit_row(hall, "OK-1"),  # row 9 repeats row 2's key
        visit_row(hall, "BAD-10", **{"A1.1": "-1"}),  # below 0
        visit_row(hall, "BAD-11", **{"A2.1": "不适用"}),  # A2.1 does not allow N/A
        visit_row(hall, "BAD-12", **{"V": "也许"}),  # veto must be yes or no
        visit_row(hall, "BAD-13", **{"B1.1": ""}),  # a scored item left blank
    ]
    batch = run_import(ImportKind.MYSTERY_VISITS, "bad.xlsx", xlsx_bytes(rows))

    assert batch.state == ImportState.REJECTED
    assert _errors(batch) == {
        (3, "营业厅编码"), (4, "A1.1"), (5, "A1.2"), (6, "暗访时间"), (7, "A2.1"), (8, ""), (9, "暗访编号"),
        (10, "A1.1"), (11, "A2.1"), (12, "V"), (13, "B1.1"),
    }  # fmt: skip
    reasons = {(error["row"], error["column"]): error["reason"] for error in batch.errors}
    assert reasons[(3, "营业厅编码")] == "营业厅编码不存在：NOPE"
    assert reasons[(4, "A1.1")] == "应在 0 到 25.00 之间：26"
    assert reasons[(7, "A2.1")].startswith("不能使用公式")
    assert reasons[(9, "暗访编号")] == "与第 2 行重复"
    assert Inspection.objects.count() == 0
    assert InspectionItem.objects.count() == 0 and Rectification.objects.count() == 0
    assert batch.rows_created == 0


def test_excel_date_cells_and_text_dates_both_read(setup, run_import):
    rows = [
        HEADER,
        visit_row(setup.hall_a1.code, "MV-1", when=dt.datetime(2026, 3, 5, 10, 30)),  # an Excel date cell
        visit_row(setup.hall_a1.code, "MV-2", when="2026/3/6 9:15"),
        visit_row(setup.hall_a1.code, "MV-3", when="2026年3月7日"),
    ]
    batch = run_import(ImportKind.MYSTERY_VISITS, "dates.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    local = {
        visit.external_id: visit.inspected_at.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
        for visit in Inspection.objects.all()
    }
    assert local == {
        "MV-1": dt.datetime(2026, 3, 5, 10, 30),
        "MV-2": dt.datetime(2026, 3, 6, 9, 15),
        "MV-3": dt.datetime(2026, 3, 7, 0, 0),
    }


def test_a_missing_or_renamed_header_is_reported_on_row_one(setup, run_import):
    header = [title for title in HEADER if title != "营业厅编码"]
    header[header.index("A1.2")] = "A1-2"  # renamed: not an indicator code
    row = visit_row(setup.hall_a1.code)
    del row[2]
    batch = run_import(ImportKind.MYSTERY_VISITS, "bad-header.xlsx", xlsx_bytes([header, row]))
    assert batch.state == ImportState.REJECTED
    assert {(1, "营业厅编码"), (1, "A1-2")} <= _errors(batch)
    assert Inspection.objects.count() == 0


def test_a_missing_indicator_column_is_reported_once(setup, run_import):
    header = [title for title in HEADER if title != "B1.1"]
    rows = [header] + [[c for i, c in enumerate(visit_row(setup.hall_a1.code, f"MV-{n}")) if i != 9] for n in range(3)]
    batch = run_import(ImportKind.MYSTERY_VISITS, "no-b11.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.REJECTED
    assert [e for e in batch.errors if e["column"] == "B1.1"] == [
        {"row": 1, "column": "B1.1", "reason": "缺少指标列（v1 指标体系的三级指标）"}
    ]


def test_a_workbook_without_the_visit_sheet_is_refused(setup, run_import):
    data = xlsx_bytes([HEADER, visit_row(setup.hall_a1.code)], sheet="数据", extra_sheets=("说明",))
    batch = run_import(ImportKind.MYSTERY_VISITS, "sheets.xlsx", data)
    assert batch.state == ImportState.REJECTED
    assert batch.message == "找不到工作表「暗访结果」；文件中的工作表：数据、说明"
    assert Inspection.objects.count() == 0


def test_the_named_sheet_is_read_among_others(setup, run_import):
    data = xlsx_bytes([HEADER, visit_row(setup.hall_a1.code)], sheet="暗访结果", extra_sheets=("说明",))
    assert run_import(ImportKind.MYSTERY_VISITS, "sheets.xlsx", data).state == ImportState.SUCCEEDED


def test_a_visit_in_a_published_month_is_refused(setup, run_import, policy):
    from scoring.models import GradingRun, RunState

    GradingRun.objects.create(month=dt.date(2026, 3, 1), state=RunState.PUBLISHED, policy=policy)
    batch = run_import(ImportKind.MYSTERY_VISITS, "v.xlsx", xlsx_bytes([HEADER, visit_row(setup.hall_a1.code)]))
    assert batch.state == ImportState.REJECTED
    assert batch.errors == [{"row": 2, "column": "", "reason": "2026-03 的评定已发布，不能再导入该月的数据"}]
    assert Inspection.objects.count() == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_chinese_encoding_reads_the_same(setup, run_import, encoding):
    row = visit_row(setup.hall_a1.code, "暗访-一")
    batch = run_import(ImportKind.MYSTERY_VISITS, "v.csv", csv_bytes([HEADER, row], encoding=encoding))
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    visit = Inspection.objects.get()
    assert (visit.external_id, visit.vendor, visit.scenario) == ("暗访-一", "甲调研", "办理套餐")


def test_a_write_that_fails_half_way_leaves_nothing_behind(setup, run_import, monkeypatch):
    """Two imports racing on the same visit: the database's unique key stops the second, whose other rows
    (inserted before the clash in the same transaction) are rolled back with it."""
    run_import(ImportKind.MYSTERY_VISITS, "a.xlsx", xlsx_bytes([HEADER, visit_row(setup.hall_a1.code, "MV-2")]))
    from surveys.imports.kinds.visits import VisitImporter

    monkeypatch.setattr(VisitImporter, "existing_keys", lambda self, keys: set())  # as if validated before the race
    rows = [HEADER, visit_row(setup.hall_a1.code, "MV-1"), visit_row(setup.hall_a1.code, "MV-2")]
    batch = run_import(ImportKind.MYSTERY_VISITS, "b.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.FAILED
    assert batch.message == "与同时进行的另一次导入冲突，未导入任何数据，请重新导入"
    assert list(Inspection.objects.values_list("external_id", flat=True)) == ["MV-2"]
    assert InspectionItem.objects.count() == 5


def test_a_batch_left_running_by_a_killed_worker_is_marked_failed_on_redelivery_but_a_live_one_is_left_alone(
    setup, world
):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from surveys.models import ImportBatch
    from surveys.services.imports import import_batch_run

    data = xlsx_bytes([HEADER, visit_row(setup.hall_a1.code, "MV-1")])
    batch = ImportBatch(
        kind=ImportKind.MYSTERY_VISITS, file_name="v.xlsx", checksum="0" * 64, state=ImportState.RUNNING
    )
    batch.file.save("v.xlsx", ContentFile(data), save=False)
    batch.started_at = timezone.now() - dt.timedelta(seconds=60)
    batch.save()
    import_batch_run(batch_id=batch.pk)  # a second message while its task is still on it
    batch.refresh_from_db()
    assert batch.state == ImportState.RUNNING and Inspection.objects.count() == 0

    import_batch_run(batch_id=batch.pk, redelivered=True)  # the broker gave back the dead task's message
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED and Inspection.objects.count() == 0
    assert "导入任务在完成前中断" in batch.message


def _template_rows(data: bytes, sheet: str) -> list[list]:
    import io

    from openpyxl import load_workbook

    return [list(row) for row in load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True)]


def test_the_untouched_visit_template_imports_nothing(setup, run_import):
    """The template's example row names 某某调研公司 and hall SJZ-01-001; with such a hall it used to import
    as a real visit scored 100. The example now lives on a sheet of instructions that is never read."""
    from surveys.services.imports import import_template_build
    from tests.factories import HallFactory

    HallFactory(code="SJZ-01-001", district=setup.hall_a1.district)
    data = import_template_build(kind=ImportKind.MYSTERY_VISITS)
    assert len(_template_rows(data, "暗访结果")) == 1  # the header only
    example = _template_rows(data, "填写示例")
    assert example[1][:3] == ["MV-2026-000001", "某某调研公司", "SJZ-01-001"]
    assert "不会被导入" in example[3][0]

    batch = run_import(ImportKind.MYSTERY_VISITS, "visits.xlsx", data)
    assert batch.state == ImportState.REJECTED
    assert batch.errors == [{"row": 2, "column": "", "reason": "表头之下没有数据行：文件中没有可导入的数据"}]
    assert not Inspection.objects.exists()


def test_imported_visits_fulfil_the_quarters_planned_mystery_visits(setup, run_import, small_scheme):
    from inspections.models import PlanLine, PlanLineState
    from inspections.services.plans import plans_make

    # No vendor seen in the year before: one visit planned per hall for the quarter, whoever makes it.
    plans_make(month=dt.date(2026, 1, 1), statuses={setup.hall_a1.pk: "normal"})
    batch = run_import(ImportKind.MYSTERY_VISITS, "visits.xlsx", xlsx_bytes([HEADER, visit_row(setup.hall_a1.code)]))

    assert batch.state == ImportState.SUCCEEDED, (batch.message, batch.errors)
    line = PlanLine.objects.get(hall=setup.hall_a1, kind="mystery")
    assert (line.state, line.inspection.external_id, line.done_on) == (PlanLineState.DONE, "MV-1", dt.date(2026, 3, 5))
