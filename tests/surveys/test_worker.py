"""An import goes through the real broker to a real worker process, and the page can follow it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.models import Complaint, ImportBatch, ImportKind, ImportState
from surveys.services.imports import import_batch_start
from tests.surveys.files import xlsx_bytes
from tests.worker import celery_worker, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_import_runs_in_a_real_worker_through_the_broker(world, settings):
    rows = [["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"]]
    rows += [[f"T{n}", world.hall_a1.code, "2026-03-05 10:00", "态度", "10086", "否"] for n in range(50)]
    # The worker reads the stored upload from the same media directory as this test.
    with celery_worker(extra_env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}):
        batch = import_batch_start(
            kind=ImportKind.COMPLAINTS, upload=SimpleUploadedFile("c.xlsx", xlsx_bytes(rows)), user=world.hq
        )
        done = wait_for(
            lambda: ImportBatch.objects.filter(pk=batch.pk, state=ImportState.SUCCEEDED).first(), what="the import"
        )
    assert (done.rows_total, done.rows_processed, done.rows_created) == (50, 50, 50)
    assert Complaint.objects.filter(import_batch=done).count() == 50
