"""A worker's pool process killed (SIGKILL) in the middle of an import: the batch is marked failed, not left
running, and the same file uploaded again imports (PostgreSQL + Redis pass, a real worker)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.models import Complaint, ImportBatch, ImportKind, ImportState
from surveys.services.imports import import_batch_start
from tests.surveys.files import xlsx_bytes
from tests.worker import celery_worker, wait_for

HEADER = ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"]
FINISHED = [ImportState.SUCCEEDED, ImportState.REJECTED, ImportState.FAILED]


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (a worker's pool processes), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_mid_import_leaves_the_batch_failed_and_the_file_imports_when_uploaded_again(
    world, settings
):
    rows = [HEADER] + [[f"T{n}", world.hall_a1.code, "2026-03-05 10:00", "态度", "10086", "否"] for n in range(8000)]
    data = xlsx_bytes(rows)
    with celery_worker(extra_env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as (process, _queue):
        batch = import_batch_start(kind=ImportKind.COMPLAINTS, upload=SimpleUploadedFile("c.xlsx", data), user=world.hq)
        wait_for(
            lambda: ImportBatch.objects.filter(pk=batch.pk, state=ImportState.RUNNING).exists(),
            timeout=60,
            interval=0.05,
            what="the worker to start the import",
        )
        pool = _children(process.pid)
        assert pool
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        failed = wait_for(
            lambda: ImportBatch.objects.filter(pk=batch.pk, state__in=FINISHED).first(),
            timeout=90,
            what="the redelivered task to mark the batch",
        )
        assert failed.state == ImportState.FAILED, failed.message
        assert "导入任务在完成前中断" in failed.message
        assert Complaint.objects.count() == 0
        assert process.poll() is None  # the worker itself lives on, with a new pool process

        again = import_batch_start(kind=ImportKind.COMPLAINTS, upload=SimpleUploadedFile("c.xlsx", data), user=world.hq)
        done = wait_for(
            lambda: ImportBatch.objects.filter(pk=again.pk, state__in=FINISHED).first(),
            timeout=120,
            what="the upload again",
        )
    assert done.state == ImportState.SUCCEEDED, done.message
    assert Complaint.objects.count() == 8000
