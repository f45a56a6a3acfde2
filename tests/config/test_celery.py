"""Celery: every task is registered, and a task goes through the real broker to a real worker."""

from __future__ import annotations

import pytest

from config.celery_app import app
from tests.worker import celery_worker, wait_for

EXPECTED_TASKS = {
    "halls.worker_heartbeat",
    "inspections.rectifications_escalate",
    "inspections.plan_lines_age",
    "inspections.monitored_halls_escalate",
    "scoring.grade_month",
    "scoring.grade_previous_month",
    "scoring.grade_city_chunk",
    "scoring.grade_chunks_finish",
    "scoring.satisfaction_warnings_notify",
    "scoring.render_bulletin",
    "incentives.split_bonus",
    "surveys.import_batch_run",
    "surveys.import_batches_sweep",
}


def test_every_task_is_registered_by_autodiscovery():
    app.loader.import_default_modules()
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    assert EXPECTED_TASKS <= registered, EXPECTED_TASKS - registered


EXPECTED_SCHEDULE = {
    "worker-heartbeat": "halls.worker_heartbeat",
    "rectifications-escalate": "inspections.rectifications_escalate",
    "plan-lines-age": "inspections.plan_lines_age",
    "monitored-halls-escalate": "inspections.monitored_halls_escalate",
    "grading-draft-previous-month": "scoring.grade_previous_month",
    "imports-sweep": "surveys.import_batches_sweep",
    "satisfaction-warnings": "scoring.satisfaction_warnings_notify",
}


def test_the_beat_schedule_lists_every_periodic_job():
    assert {name: entry["task"] for name, entry in app.conf.beat_schedule.items()} == EXPECTED_SCHEDULE


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks
        assert entry["options"]["expires"] > 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_runs_in_a_real_worker_through_the_broker():
    from halls.models import WorkerHeartbeat
    from halls.tasks import worker_heartbeat_task

    with celery_worker() as (_process, queue):
        worker_heartbeat_task.apply_async(queue=queue)
        heartbeat = wait_for(
            lambda: WorkerHeartbeat.objects.filter(hostname__startswith=queue).first(), what="the worker's heartbeat"
        )
    assert heartbeat.last_seen is not None
