"""Files that are not safe spreadsheets are refused at upload, before anything is stored or parsed."""

from __future__ import annotations

import io
import zipfile

import pytest

from halls.errors import ApplicationError
from surveys.models import ImportBatch, ImportKind
from surveys.services.imports import import_batch_start
from tests.surveys.files import upload, xlsx_bytes


def start(world, name: str, data: bytes):
    return import_batch_start(kind=ImportKind.COMPLAINTS, upload=upload(name, data), user=world.hq)


def test_a_file_over_the_size_limit_is_refused(world, settings):
    settings.HALLQ_IMPORT_MAX_BYTES = 1000
    with pytest.raises(ApplicationError, match="文件过大"):
        start(world, "big.csv", b"a," * 600)
    assert ImportBatch.objects.count() == 0


def test_a_picture_renamed_xlsx_is_refused(world):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    with pytest.raises(ApplicationError, match="内容不是 Excel 工作簿"):
        start(world, "visits.xlsx", png)
    assert ImportBatch.objects.count() == 0


def test_a_zip_that_is_not_a_workbook_is_refused(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ApplicationError, match="内容不是 Excel 工作簿"):
        start(world, "visits.xlsx", buffer.getvalue())


def test_an_old_xls_file_is_refused_with_advice(world):
    with pytest.raises(ApplicationError, match="另存为 .xlsx"):
        start(world, "visits.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


def test_a_binary_file_renamed_csv_is_refused(world):
    with pytest.raises(ApplicationError, match="内容不是文本"):
        start(world, "visits.csv", xlsx_bytes([["a"]]))


def test_another_extension_is_refused(world):
    with pytest.raises(ApplicationError, match="只能导入 .xlsx 或 .csv 文件"):
        start(world, "visits.pdf", b"%PDF-1.4")


def _bomb(size: int) -> bytes:
    """A small workbook-shaped zip whose sheet declares ``size`` bytes once decompressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * size)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_from_its_declared_size(world, settings):
    settings.HALLQ_IMPORT_MAX_UNCOMPRESSED_BYTES = 1_000_000
    data = _bomb(5_000_000)
    assert len(data) < 10_000  # tiny on disk
    with pytest.raises(ApplicationError, match="疑似压缩炸弹"):
        start(world, "bomb.xlsx", data)
    assert ImportBatch.objects.count() == 0


def test_a_zip_with_too_many_entries_is_refused(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for number in range(1001):
            archive.writestr(f"xl/media/{number}.bin", b"")
    with pytest.raises(ApplicationError, match="内部文件数异常"):
        start(world, "many.xlsx", buffer.getvalue())


def test_an_accepted_file_is_kept_with_its_checksum_for_hq_to_download(
    world, client, django_capture_on_commit_callbacks
):
    import hashlib

    data = xlsx_bytes([["投诉单号"]])
    with django_capture_on_commit_callbacks(execute=True):
        batch = start(world, "投诉.xlsx", data)
    assert batch.checksum == hashlib.sha256(data).hexdigest()
    client.force_login(world.hq)
    response = client.get(f"/surveys/imports/{batch.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert "投诉.xlsx" in response["Content-Disposition"] or "filename*=" in response["Content-Disposition"]
