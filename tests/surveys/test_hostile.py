"""Hostile files: refused with a clear message before any reader builds a grid, never a 500, never a dead
process, never a batch left running, never a row written; and the reader's peak memory stays small."""

from __future__ import annotations

import dataclasses
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.imports import importer_for
from surveys.imports.isolation import Isolation, ReadRefused, sheet_read_isolated
from surveys.imports.kinds.simple import ComplaintImporter
from surveys.imports.reading import limits_for
from surveys.models import Complaint, ImportBatch, ImportKind, ImportState, ServiceVolume
from tests.surveys import hostile
from tests.surveys.files import csv_bytes, upload, xlsx_bytes

COMPLAINT_HEADER = ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"]
MIB = 1024 * 1024
HYPOTHESIS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
MAX_ROWS = 20  # the row limit the generated files are held to (the default is 200,000)


def complaint_row(hall: str, n: int) -> list[str]:
    return [f"T{n}", hall, "2026-03-05 10:00", "态度", "10086", "否"]


def _kind_shape(kind: str, params: dict) -> tuple[str, list[str]]:
    importer = importer_for(kind, params=params)
    return importer.sheet_name, [column.header for column in importer.template_columns()]


# --- the shapes of the issue, one by one ---------------------------------------------------------


def test_the_5_kb_workbook_with_a_cell_at_xfd1048576_is_refused_for_its_columns(world, run_import):
    cells = hostile.table([COMPLAINT_HEADER]) | {(1048576, 16384): "x"}
    data = hostile.workbook([("投诉", "visible", hostile.sheet_xml(cells))])
    assert len(data) < 5 * 1024
    batch = run_import(ImportKind.COMPLAINTS, "far.xlsx", data)
    assert batch.state == ImportState.REJECTED
    assert "列数过多（16,384 列）" in batch.message
    assert Complaint.objects.count() == 0


def test_a_cell_at_f1048576_is_refused_for_its_rows(world, run_import):
    cells = hostile.table([COMPLAINT_HEADER]) | {(1048576, 6): "x"}
    batch = run_import(
        ImportKind.COMPLAINTS, "far.xlsx", hostile.workbook([("投诉", "visible", hostile.sheet_xml(cells))])
    )
    assert batch.state == ImportState.REJECTED
    assert "数据行过多（至少 1,048,575 行），每次最多导入 200,000 行" in batch.message


def test_a_declared_dimension_beyond_the_limits_is_refused(world, run_import):
    cells = hostile.table([COMPLAINT_HEADER, complaint_row(world.hall_a1.code, 1)])
    xml = hostile.sheet_xml(cells, dimension="A1:XFD1048576")
    batch = run_import(ImportKind.COMPLAINTS, "dim.xlsx", hostile.workbook([("投诉", "visible", xml)]))
    assert batch.state == ImportState.REJECTED and "过多" in batch.message


@pytest.mark.parametrize("damage", [hostile.directory_lies, hostile.crc_broken, hostile.byte_flipped])
def test_a_zip_that_lies_or_is_damaged_is_refused_at_upload_as_damaged_for_every_kind(world, client, surveys, damage):
    client.force_login(world.hq)
    for kind in ImportKind.values:
        params = {"survey": surveys["CSAT"].pk} if kind == ImportKind.SURVEY_RESPONSES else {}
        sheet, header = _kind_shape(kind, {"survey_id": surveys["CSAT"].pk})
        data = damage(xlsx_bytes([header, ["x"] * len(header)] * 50, sheet=sheet))
        response = client.post("/surveys/imports/", {"kind": kind, "file": upload("d.xlsx", data), **params})
        assert response.status_code == 400, kind
        assert "文件已损坏" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_truncated_workbook_is_refused_as_damaged(world, client):
    client.force_login(world.hq)
    data = xlsx_bytes([COMPLAINT_HEADER, complaint_row(world.hall_a1.code, 1)])
    response = client.post("/surveys/imports/", {"kind": "complaints", "file": upload("t.xlsx", data[:-200])})
    assert response.status_code == 400 and "文件已损坏" in response.content.decode()


def test_a_hidden_sheet_with_the_template_name_is_refused_rather_than_read(world, run_import):
    visible = hostile.sheet_xml(hostile.table([["说明"], ["请填写"]]))
    hidden = hostile.sheet_xml(hostile.table([COMPLAINT_HEADER, complaint_row(world.hall_a1.code, 1)]))
    data = hostile.workbook([("Sheet1", "visible", visible), ("投诉", "hidden", hidden)])
    batch = run_import(ImportKind.COMPLAINTS, "hidden.xlsx", data)
    assert batch.state == ImportState.REJECTED
    assert "工作表「投诉」是隐藏的" in batch.message
    assert Complaint.objects.count() == 0


def test_two_sheets_with_the_template_name_are_refused(world, run_import):
    xml = hostile.sheet_xml(hostile.table([COMPLAINT_HEADER, complaint_row(world.hall_a1.code, 1)]))
    data = hostile.workbook([("投诉", "visible", xml), ("投诉", "visible", xml)])
    batch = run_import(ImportKind.COMPLAINTS, "twice.xlsx", data)
    assert batch.state == ImportState.REJECTED and "2 个名为「投诉」的工作表" in batch.message


def test_a_hidden_sheet_beside_the_visible_template_is_ignored(world, run_import):
    good = hostile.sheet_xml(hostile.table([COMPLAINT_HEADER, complaint_row(world.hall_a1.code, 1)]))
    bad = hostile.sheet_xml(hostile.table([COMPLAINT_HEADER, complaint_row("NOPE", 2)]))
    data = hostile.workbook([("投诉", "visible", good), ("旧数据", "veryHidden", bad)])
    batch = run_import(ImportKind.COMPLAINTS, "ok.xlsx", data)
    assert batch.state == ImportState.SUCCEEDED and batch.rows_created == 1


@pytest.mark.parametrize("name", ["rows.xlsx", "rows.csv"])
def test_a_file_over_the_row_limit_is_refused_before_any_row_is_checked(world, run_import, settings, name):
    settings.HALLQ_IMPORT_MAX_ROWS = 10
    rows = [COMPLAINT_HEADER] + [complaint_row(world.hall_a1.code, n) for n in range(11)]
    data = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows)
    batch = run_import(ImportKind.COMPLAINTS, name, data)
    assert batch.state == ImportState.REJECTED
    assert "数据行过多（至少 11 行），每次最多导入 10 行" in batch.message
    assert batch.errors == [] and Complaint.objects.count() == 0


def test_a_csv_with_a_wrong_header_is_refused_for_its_header_without_reading_its_rows(world, run_import, settings):
    settings.HALLQ_IMPORT_MAX_ROWS = 10
    rows = [["单号", *COMPLAINT_HEADER[1:]]] + [complaint_row(world.hall_a1.code, n) for n in range(30)]
    batch = run_import(ImportKind.COMPLAINTS, "c.csv", csv_bytes(rows))
    assert batch.state == ImportState.REJECTED
    assert {error["row"] for error in batch.errors} == {1}  # the header alone; not "too many rows"
    assert {error["column"] for error in batch.errors} == {"单号", "投诉单号"}


def test_a_file_at_the_row_limit_is_imported(world, run_import, settings):
    settings.HALLQ_IMPORT_MAX_ROWS = 10
    rows = [COMPLAINT_HEADER] + [complaint_row(world.hall_a1.code, n) for n in range(10)]
    assert run_import(ImportKind.COMPLAINTS, "c.xlsx", xlsx_bytes(rows)).rows_created == 10


@pytest.mark.parametrize("name", ["cols.xlsx", "cols.csv"])
def test_a_file_wider_than_the_template_and_its_margin_is_refused(world, run_import, settings, name):
    settings.HALLQ_IMPORT_EXTRA_COLUMNS = 2
    allowed = len(ComplaintImporter.columns) + 2
    extra = [f"x{n}" for n in range(allowed + 1 - len(COMPLAINT_HEADER))]
    rows = [COMPLAINT_HEADER + extra, complaint_row(world.hall_a1.code, 1) + extra]
    data = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows)
    batch = run_import(ImportKind.COMPLAINTS, name, data)
    expected = f"列数过多（{allowed + 1} 列），此类导入最多 {allowed} 列"
    assert batch.state == ImportState.REJECTED and expected in batch.message, batch.message


def test_a_workbook_over_the_uncompressed_limit_is_refused_from_its_real_size(world, client, settings):
    settings.HALLQ_IMPORT_MAX_UNCOMPRESSED_BYTES = 200_000
    rows = [COMPLAINT_HEADER] + [complaint_row(world.hall_a1.code, n) for n in range(3000)]
    client.force_login(world.hq)
    data = xlsx_bytes(rows)
    response = client.post("/surveys/imports/", {"kind": "complaints", "file": upload("big.xlsx", data)})
    assert response.status_code == 400 and "疑似压缩炸弹" in response.content.decode()


def test_row_errors_are_capped_and_the_rest_counted(world, run_import, settings):
    settings.HALLQ_IMPORT_MAX_ERRORS = 3
    rows = [COMPLAINT_HEADER] + [complaint_row("NOPE", n) for n in range(8)]
    batch = run_import(ImportKind.COMPLAINTS, "bad.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.REJECTED
    assert len(batch.errors) == 3
    assert batch.message == "8 行有错误，未导入任何数据；列出前 3 条错误，其余 5 条未列出"


# --- the reader's own process ---------------------------------------------------------------------


def _read(data: bytes, *, name: str = "c.xlsx", memory: int = 1024 * MIB, seconds: float = 60, max_rows=200_000):
    limits = dataclasses.replace(limits_for(columns=len(COMPLAINT_HEADER)), max_rows=max_rows)
    return sheet_read_isolated(
        name=name,
        data=data,
        sheet_name="投诉",
        limits=limits,
        isolation=Isolation(memory_bytes=memory, seconds=seconds),
        language="zh-hans",
    )


def test_a_reader_that_runs_out_of_its_memory_is_a_refused_file_and_this_process_goes_on(world):
    rows = [COMPLAINT_HEADER] + [complaint_row(world.hall_a1.code, n) for n in range(2000)]
    with pytest.raises(ReadRefused, match="内存超过上限|读取程序异常退出"):
        _read(xlsx_bytes(rows), memory=16 * MIB)
    assert len(_read(xlsx_bytes(rows[:3])).sheet.rows) == 2  # and the next file reads as ever


def test_a_reader_that_takes_too_long_is_stopped_and_the_file_refused(world):
    rows = [COMPLAINT_HEADER] + [complaint_row(world.hall_a1.code, n) for n in range(20000)]
    with pytest.raises(ReadRefused, match="秒仍未完成"):
        _read(csv_bytes(rows), name="c.csv", seconds=0.05)


# --- generated hostile files ------------------------------------------------------------------------


def _hostile_file(draw, header: list[str], sheet: str, max_columns: int) -> tuple[str, bytes]:
    """One hostile file shaped for an import whose template has ``header`` on sheet ``sheet``."""
    family = draw(
        st.sampled_from(
            ["far_row", "far_column", "dimension", "lies", "crc", "flip", "cut", "rows", "columns", "hidden", "twice",
             "encoding"]
        )
    )  # fmt: skip
    head = hostile.table([header])
    body = [["x"] * len(header)] * draw(st.integers(min_value=1, max_value=5))
    if family == "far_row":
        far = {(draw(st.integers(MAX_ROWS + 2, 1048576)), draw(st.integers(1, len(header)))): "x"}
        return "f.xlsx", hostile.workbook([(sheet, "visible", hostile.sheet_xml(head | far))])
    if family == "far_column":
        far = {(draw(st.integers(2, 1048576)), draw(st.integers(max_columns + 1, 16384))): "x"}
        return "f.xlsx", hostile.workbook([(sheet, "visible", hostile.sheet_xml(head | far))])
    if family == "dimension":
        ref = f"{hostile.column_letters(draw(st.integers(max_columns + 1, 16384)))}{draw(st.integers(2, 1048576))}"
        xml = hostile.sheet_xml(hostile.table([header, *body]), dimension=f"A1:{ref}")
        return "f.xlsx", hostile.workbook([(sheet, "visible", xml)])
    plain = xlsx_bytes([header, *body * 20], sheet=sheet)
    if family == "lies":
        return "f.xlsx", hostile.directory_lies(plain, declared=draw(st.integers(0, 5000)))
    if family == "crc":
        return "f.xlsx", hostile.crc_broken(plain)
    if family == "flip":
        return "f.xlsx", hostile.byte_flipped(plain, at=draw(st.floats(0, 1)))
    if family == "cut":
        # A fraction, not a length: the workbook's bytes (its timestamps) differ from one run to the next.
        cut = draw(st.floats(min_value=0, max_value=1, exclude_max=True))
        return "f.xlsx", plain[: max(4, int(len(plain) * cut))]
    if family == "rows":
        rows = [header] + [["x"] * len(header)] * draw(st.integers(MAX_ROWS + 1, MAX_ROWS * 10))
        return draw(st.sampled_from([("f.xlsx", xlsx_bytes(rows, sheet=sheet)), ("f.csv", csv_bytes(rows))]))
    if family == "columns":
        extra = draw(st.integers(max_columns - len(header) + 1, max_columns + 200))
        rows = [header + [f"c{n}" for n in range(extra)], ["x"] * (len(header) + extra)]
        return draw(st.sampled_from([("f.xlsx", xlsx_bytes(rows, sheet=sheet)), ("f.csv", csv_bytes(rows))]))
    if family == "hidden":
        state = draw(st.sampled_from(["hidden", "veryHidden"]))
        visible = hostile.sheet_xml(hostile.table([["说明"]]))
        return "f.xlsx", hostile.workbook([("Sheet1", "visible", visible), (sheet, state, hostile.sheet_xml(head))])
    if family == "twice":
        xml = hostile.sheet_xml(hostile.table([header, *body]))
        return "f.xlsx", hostile.workbook([(sheet, "visible", xml), (sheet.upper(), "visible", xml)])
    encoding = draw(st.sampled_from(["utf-16", "utf-32", "big5", "shift_jis", "cp1252"]))
    text = io.StringIO()
    text.write(",".join(header) + "\n" + "x,\n")
    return "f.csv", text.getvalue().encode(encoding, errors="replace")


@pytest.mark.django_db
@HYPOTHESIS
@given(data=st.data())
def test_generated_hostile_files_posted_to_every_import_kind_are_refused_clearly_and_write_nothing(
    world, client, surveys, django_capture_on_commit_callbacks, settings, data
):
    settings.HALLQ_IMPORT_MAX_ROWS = MAX_ROWS
    client.force_login(world.hq)
    kind = data.draw(st.sampled_from(ImportKind.values))
    params = {"survey_id": surveys["CSAT"].pk}
    sheet, header = _kind_shape(kind, params)
    max_columns = limits_for(columns=len(header)).max_columns
    name, content = _hostile_file(data.draw, header, sheet, max_columns)
    before = (Complaint.objects.count(), ServiceVolume.objects.count(), ImportBatch.objects.count())
    form = {"kind": kind, "file": upload(name, content)}
    if kind == ImportKind.SURVEY_RESPONSES:
        form["survey"] = surveys["CSAT"].pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/surveys/imports/", form)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert ImportBatch.objects.count() == before[2]
        assert "alert" in response.content.decode() or "invalid-feedback" in response.content.decode()
    else:
        batch = ImportBatch.objects.order_by("-pk").first()
        assert batch.state in (ImportState.REJECTED, ImportState.FAILED), batch.message
        assert batch.message and batch.rows_created == 0
    assert (Complaint.objects.count(), ServiceVolume.objects.count()) == before[:2]
    assert not ImportBatch.objects.filter(state__in=[ImportState.PENDING, ImportState.RUNNING]).exists()


@pytest.mark.django_db
@HYPOTHESIS
@given(data=st.data())
def test_the_reading_process_peaks_under_512_mib_for_every_generated_hostile_file(world, data):
    max_columns = limits_for(columns=len(COMPLAINT_HEADER)).max_columns
    name, content = _hostile_file(data.draw, COMPLAINT_HEADER, "投诉", max_columns)
    try:
        read = _read(content, name=name, max_rows=MAX_ROWS)
    except ReadRefused as refused:
        assert refused.peak_rss_bytes is not None, f"the reader died: {refused.message}"
        peak = refused.peak_rss_bytes
    else:
        peak = read.peak_rss_bytes
    assert peak < 512 * MIB
