"""The hostile files of test_hostile.py through the broker to a real worker (PostgreSQL + Redis pass): each
is refused with a clear message, the worker and its pool live on, no batch is left running, nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from halls.errors import ApplicationError
from surveys.imports import importer_for
from surveys.models import ImportBatch, ImportKind, ImportState
from surveys.services.imports import import_batch_start
from tests.surveys import hostile
from tests.surveys.files import csv_bytes, xlsx_bytes
from tests.worker import celery_worker, wait_for

FINISHED = [ImportState.SUCCEEDED, ImportState.REJECTED, ImportState.FAILED]


def _files(sheet: str, header: list[str]) -> dict[str, tuple[str, bytes]]:
    head = hostile.table([header])
    body = [header] + [["x"] * len(header)] * 30

    def far(row: int, column: int) -> bytes:
        return hostile.workbook([(sheet, "visible", hostile.sheet_xml(head | {(row, column): "x"}))])

    return {
        "cell at XFD1048576": ("f.xlsx", far(1048576, 16384)),
        "cell at F1048576": ("f.xlsx", far(1048576, 6)),
        "lying directory": ("f.xlsx", hostile.directory_lies(xlsx_bytes(body, sheet=sheet))),
        "bad CRC": ("f.xlsx", hostile.crc_broken(xlsx_bytes(body, sheet=sheet))),
        "hidden template": ("f.xlsx", hostile.workbook(
            [("Sheet1", "visible", hostile.sheet_xml({(1, 1): "x"})), (sheet, "hidden", hostile.sheet_xml(head))]
        )),
        "too many rows": ("f.csv", csv_bytes(body * 10)),
        "UTF-16 CSV": ("f.csv", csv_bytes(body).decode().encode("utf-16")),
    }  # fmt: skip


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_hostile_files_through_a_real_worker_are_refused_and_the_worker_lives_on(world, settings, surveys):
    settings.HALLQ_IMPORT_MAX_ROWS = 100
    params = {"survey_id": surveys["CSAT"].pk}
    with celery_worker(extra_env={"MEDIA_ROOT": str(settings.MEDIA_ROOT), "HALLQ_IMPORT_MAX_ROWS": "100"}) as (
        process,
        _queue,
    ):
        for kind in ImportKind.values:
            importer = importer_for(kind, params=params)
            files = _files(importer.sheet_name, [column.header for column in importer.template_columns()])
            for shape, (name, data) in files.items():
                try:
                    batch = import_batch_start(
                        kind=kind, upload=SimpleUploadedFile(name, data), user=world.hq, params=params
                    )
                except ApplicationError as refused:  # refused at upload, before a batch is recorded
                    assert refused.message, (kind, shape)
                    continue
                done = wait_for(
                    lambda pk=batch.pk: ImportBatch.objects.filter(pk=pk, state__in=FINISHED).first(),
                    timeout=60,
                    what=f"{kind}: {shape}",
                )
                assert done.state == ImportState.REJECTED and done.message, (kind, shape, done.message)
                assert done.rows_created == 0
                assert process.poll() is None, (kind, shape)
    assert not ImportBatch.objects.filter(state__in=[ImportState.PENDING, ImportState.RUNNING]).exists()
    assert not ImportBatch.objects.filter(rows_created__gt=0).exists()
