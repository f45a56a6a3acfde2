"""Property tests: whatever rows or bytes arrive, an import never crashes (no 500) and never saves part
of a file: either every row is in, or none is and every error names a row."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.models import Complaint, ImportBatch, ImportKind, ImportState, ServiceVolume
from tests.surveys.files import csv_bytes, upload, xlsx_bytes

COMPLAINT_HEADER = ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"]
VOLUME_HEADER = ["营业厅编码", "月份", "前台办理量", "协助自助办理量", "自助终端办理量"]
HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Cells that look like what people type: good values, near misses, junk, formulas, dates, blanks.
cell = st.one_of(
    st.sampled_from(
        [
            "",
            "是",
            "否",
            "2026-03-05",
            "2026/3/5 10:30",
            "2026-02-30",
            "1e5",
            "NaN",
            "-1",
            "0",
            "12",
            "=A1",
            "+1",
            "@x",
            "３",
            "不适用",
            "2026-03",
            "13800001234",
        ]
    ),  # fmt: skip
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000).map(str),
)


def _hall_cell(codes):
    return st.one_of(st.sampled_from(codes), cell)


def _data_rows(body: list[list[str]]) -> int:
    """Rows up to the last one with a value: trailing blank rows (Excel keeps them) are not data."""
    filled = [number for number, row in enumerate(body, start=1) if any(str(cell) != "" for cell in row)]
    return filled[-1] if filled else 0


def _assert_all_or_nothing(batch: ImportBatch, model, before: int, rows: int) -> None:
    after = model.objects.count()
    if rows == 0:  # a header and nothing under it is refused, with its reason
        assert batch.state == ImportState.REJECTED and batch.message
    if batch.state == ImportState.SUCCEEDED:
        assert after - before == batch.rows_created
        assert batch.rows_created + batch.rows_skipped == rows
    else:
        assert batch.state == ImportState.REJECTED, batch.message
        assert after == before
        assert batch.errors or batch.message
        assert all(error["row"] >= 1 and error["reason"] for error in batch.errors)


@pytest.mark.django_db
@HYPOTHESIS
@given(data=st.data(), as_csv=st.booleans())
def test_generated_complaint_files_import_whole_or_not_at_all(world, run_import, data, as_csv):
    codes = [world.hall_a1.code, world.hall_b2.code]
    body = data.draw(
        st.lists(
            st.tuples(cell, _hall_cell(codes), cell, cell, cell, cell).map(list)
            | st.tuples(
                st.uuids().map(str), st.sampled_from(codes), st.just("2026-03-05 10:00"), st.just("态度"),
                st.just("10086"), st.sampled_from(["是", "否"]),
            ).map(list),
            max_size=8,
        )
    )  # fmt: skip
    rows = [COMPLAINT_HEADER, *body]
    before = Complaint.objects.count()
    content = csv_bytes(rows) if as_csv else xlsx_bytes(rows)
    batch = run_import(ImportKind.COMPLAINTS, "c.csv" if as_csv else "c.xlsx", content)
    _assert_all_or_nothing(batch, Complaint, before, _data_rows(body))


@pytest.mark.django_db
@HYPOTHESIS
@given(data=st.data())
def test_generated_volume_files_import_whole_or_not_at_all(world, run_import, data):
    codes = [world.hall_a1.code, world.hall_a2.code, world.hall_b1.code]
    good = st.tuples(
        st.sampled_from(codes), st.sampled_from(["2026-01", "2026-02", "2026年3月"]),
        *[st.integers(min_value=0, max_value=10**6).map(str)] * 3,
    ).map(list)  # fmt: skip
    body = data.draw(st.lists(good | st.tuples(_hall_cell(codes), cell, cell, cell, cell).map(list), max_size=8))
    before = ServiceVolume.objects.count()
    batch = run_import(ImportKind.SERVICE_VOLUMES, "v.xlsx", xlsx_bytes([VOLUME_HEADER, *body]))
    _assert_all_or_nothing(batch, ServiceVolume, before, _data_rows(body))


@pytest.mark.django_db
@HYPOTHESIS
@given(content=st.binary(max_size=400), name=st.sampled_from(["x.xlsx", "x.csv"]))
def test_arbitrary_bytes_never_cause_a_500(world, client, django_capture_on_commit_callbacks, content, name):
    client.force_login(world.hq)
    before = Complaint.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/surveys/imports/", {"kind": "complaints", "file": upload(name, content)})
    assert response.status_code in (302, 400)
    assert Complaint.objects.count() == before
    for batch in ImportBatch.objects.all():
        assert batch.state in (ImportState.REJECTED, ImportState.SUCCEEDED)


@pytest.mark.django_db
@HYPOTHESIS
@given(when=st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)))
def test_any_excel_date_cell_is_read_or_reported(world, run_import, when):
    rows = [COMPLAINT_HEADER, ["T-1", world.hall_a1.code, when, "态度", "10086", "是"]]
    before = Complaint.objects.count()
    batch = run_import(ImportKind.COMPLAINTS, "c.xlsx", xlsx_bytes(rows))
    _assert_all_or_nothing(batch, Complaint, before, 1)


@pytest.mark.django_db
@HYPOTHESIS
@given(data=st.data())
def test_generated_visit_files_import_whole_or_not_at_all(world, run_import, small_scheme, policy, data):
    from inspections.models import Inspection, InspectionItem
    from tests.surveys.test_visit_import import HEADER, visit_row

    score = st.one_of(cell, st.sampled_from(["0", "5", "10", "15", "20", "25", "不适用", "是", "否"]))
    rows = data.draw(
        st.lists(
            st.builds(
                lambda n, hall, when, a11, b12, veto: visit_row(
                    hall, f"MV-{n}", when=when, **{"A1.1": a11, "B1.2": b12, "V": veto}
                ),
                st.integers(min_value=1, max_value=6), _hall_cell([world.hall_a1.code, world.hall_b1.code]),
                st.one_of(st.just("2026-03-05 10:30"), cell), score, score, st.sampled_from(["是", "否", "", "x"]),
            ),
            max_size=6,
        )
    )  # fmt: skip
    before = (Inspection.objects.count(), InspectionItem.objects.count())
    batch = run_import(ImportKind.MYSTERY_VISITS, "v.xlsx", xlsx_bytes([HEADER, *rows]))
    if batch.state == ImportState.SUCCEEDED:
        assert Inspection.objects.count() - before[0] == batch.rows_created
    else:
        assert batch.state == ImportState.REJECTED and batch.errors
        assert (Inspection.objects.count(), InspectionItem.objects.count()) == before
