"""No batch stays running: a batch whose task died is marked failed (on redelivery, by the sweep, on a time
limit) with a message that says so, and the same file can be uploaded again."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from surveys.models import Complaint, ImportBatch, ImportKind, ImportState
from surveys.services.imports import STALE_AFTER_SECONDS, import_batch_run, import_batches_sweep
from tests.surveys.files import xlsx_bytes

HEADER = ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"]


def _running_batch(world, *, started_seconds_ago: float, language: str = "zh-hans") -> ImportBatch:
    data = xlsx_bytes([HEADER, ["T1", world.hall_a1.code, "2026-03-05 10:00", "态度", "10086", "否"]])
    batch = ImportBatch(
        kind=ImportKind.COMPLAINTS,
        file_name="c.xlsx",
        checksum="0" * 64,
        state=ImportState.RUNNING,
        params={"language": language},
        started_at=timezone.now() - dt.timedelta(seconds=started_seconds_ago),
    )
    batch.file.save("c.xlsx", ContentFile(data), save=False)
    batch.save()
    return batch


def test_a_redelivered_task_marks_its_running_batch_failed_and_the_same_file_imports_again(world, run_import):
    batch = _running_batch(world, started_seconds_ago=5)
    import_batch_run(batch_id=batch.pk, redelivered=True)
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED and batch.finished_at is not None
    assert batch.message == "导入任务在完成前中断（工作进程被终止、丢失或超时），未导入任何数据；请重新上传文件"
    assert Complaint.objects.count() == 0

    with batch.file.open("rb") as stream:
        again = run_import(ImportKind.COMPLAINTS, "c.xlsx", stream.read())
    assert again.state == ImportState.SUCCEEDED and again.rows_created == 1


def test_a_redelivered_task_of_a_finished_batch_changes_nothing(world):
    batch = _running_batch(world, started_seconds_ago=5)
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportState.SUCCEEDED, message="done")
    import_batch_run(batch_id=batch.pk, redelivered=True)
    batch.refresh_from_db()
    assert (batch.state, batch.message) == (ImportState.SUCCEEDED, "done")


def test_the_sweep_fails_batches_running_past_the_time_limit_in_their_uploaders_language(world):
    stale_zh = _running_batch(world, started_seconds_ago=STALE_AFTER_SECONDS + 5)
    stale_en = _running_batch(world, started_seconds_ago=STALE_AFTER_SECONDS + 5, language="en")
    fresh = _running_batch(world, started_seconds_ago=60)
    assert import_batches_sweep() == 2
    states = dict(ImportBatch.objects.values_list("pk", "state"))
    assert states == {stale_zh.pk: ImportState.FAILED, stale_en.pk: ImportState.FAILED, fresh.pk: ImportState.RUNNING}
    stale_en.refresh_from_db()
    assert stale_en.message.startswith("The import task stopped before it finished")
    assert import_batches_sweep() == 0


def test_the_sweep_runs_from_the_schedule_every_ten_minutes():
    from config.celery_app import app

    entry = app.conf.beat_schedule["imports-sweep"]
    assert entry["task"] == "surveys.import_batches_sweep"
    assert entry["schedule"].minute == set(range(0, 60, 10))


def test_an_import_stopped_by_its_soft_time_limit_is_marked_failed(world, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from surveys import tasks

    batch = _running_batch(world, started_seconds_ago=5)

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("surveys.services.imports.import_batch_run", too_slow)
    tasks.import_batch_run_task.apply(args=(batch.pk,))
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED and "超过时间上限" in batch.message
