"""``manage.py import_file KIND PATH [--as USERNAME]``: the nightly path, through the same batch as an upload."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from halls.models import Hall, Staff, UserProfile
from surveys.models import ImportBatch, ImportKind, ImportState
from tests.halls.conftest import HALL_HEADER, HALL_ROWS, ORG_ROWS, STAFF_HEADER, USER_HEADER
from tests.surveys.files import csv_bytes, xlsx_bytes


@pytest.fixture
def files(tmp_path):
    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


def test_a_good_file_is_imported_and_recorded_as_a_batch_of_the_user_named(importer, files, capsys):
    call_command(
        "import_file",
        ImportKind.ORGANISATION,
        files("org.xlsx", xlsx_bytes(ORG_ROWS, sheet="组织机构")),
        "--as",
        "hq-importer",
    )
    call_command("import_file", ImportKind.HALLS, files("halls.csv", csv_bytes(HALL_ROWS)), "--as", "hq-importer")
    assert Hall.objects.count() == 4
    batch = ImportBatch.objects.get(kind=ImportKind.HALLS)
    assert (batch.state, batch.uploaded_by, batch.file_name, batch.rows_created) == (
        ImportState.SUCCEEDED, importer.hq, "halls.csv", 4,
    )  # fmt: skip
    assert f"batch {batch.pk} halls: succeeded" in capsys.readouterr().out


def test_a_refused_file_prints_every_row_error_and_exits_non_zero(importer, files, capsys):
    call_command("import_file", ImportKind.ORGANISATION, files("org.csv", csv_bytes(ORG_ROWS)))
    rows = [HALL_HEADER, ["H1", "一号厅", "SJZ", "SJZ-09", "SJZ-U1", "自办厅", "", "2020-01", ""], HALL_ROWS[1]]
    with pytest.raises(CommandError, match="rejected"):
        call_command("import_file", ImportKind.HALLS, files("halls.csv", csv_bytes(rows)))
    assert "row 2 [区县编码]: 区县编码不存在：SJZ-09（请先导入组织机构）" in capsys.readouterr().err
    assert not Hall.objects.exists()
    assert ImportBatch.objects.get(kind=ImportKind.HALLS).state == ImportState.REJECTED


def test_an_unknown_or_inactive_importer_is_refused_before_anything_is_recorded(importer, files):
    importer.hq.is_active = False
    importer.hq.save()
    with pytest.raises(CommandError, match="no active user named 'hq-importer'"):
        call_command(
            "import_file", ImportKind.ORGANISATION, files("org.csv", csv_bytes(ORG_ROWS)), "--as", "hq-importer"
        )
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_at_once(importer, files):
    with pytest.raises(CommandError):
        call_command("import_file", ImportKind.HALLS, files("halls.xlsx", b"MZ\x90\x00 not a workbook"))
    assert not ImportBatch.objects.exists()


def test_staff_and_user_files_run_from_the_command_line_too(importer, files):
    call_command("import_file", ImportKind.ORGANISATION, files("org.csv", csv_bytes(ORG_ROWS)), "--as", "hq-importer")
    call_command("import_file", ImportKind.HALLS, files("halls.csv", csv_bytes(HALL_ROWS)), "--as", "hq-importer")
    staff = [STAFF_HEADER, ["SJZ-01-001", "E001", "张三", "自有员工", "2024-03", ""]]
    call_command("import_file", ImportKind.STAFF, files("staff.csv", csv_bytes(staff)), "--as", "hq-importer")
    users = [USER_HEADER, ["qian", "钱店长", "营业厅店长", "SJZ-01-001", "", "是"]]
    call_command("import_file", ImportKind.USERS, files("users.csv", csv_bytes(users)), "--as", "hq-importer")
    assert Staff.objects.get(employee_no="E001").hall.code == "SJZ-01-001"
    assert UserProfile.objects.get(user__username="qian").hall.code == "SJZ-01-001"
    assert ImportBatch.objects.filter(uploaded_by=importer.hq, state=ImportState.SUCCEEDED).count() == 4
