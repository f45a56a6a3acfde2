"""Starting a job while the broker is down gives a clear message in seconds, never a 500 or a hang."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from halls.jobs import BROKER_DOWN_MESSAGE, BrokerUnavailable, enqueue
from halls.models import Notification, WorkerHeartbeat
from halls.tasks import worker_heartbeat_task
from tests.factories import UserFactory
from tests.worker import celery_worker, wait_for


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_raises_broker_unavailable_at_once(broker_down):
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable) as excinfo:
        enqueue(worker_heartbeat_task)
    assert time.monotonic() - started < 2  # refused, not retried with sleeps (kombu's default took 6 s)
    assert str(excinfo.value) == BROKER_DOWN_MESSAGE == "任务队列暂时不可用，任务未能启动，请稍后重试或联系系统管理员。"


@pytest.mark.django_db(transaction=True)
def test_enqueue_inside_a_transaction_raises_after_the_commit_and_the_committed_rows_stay(broker_down):
    """The caller's rows are committed before the task is sent; the caller then marks its job row failed."""
    user = UserFactory()
    with pytest.raises(BrokerUnavailable):
        with transaction.atomic():
            Notification.objects.create(recipient=user, title="导入已排队")
            enqueue(worker_heartbeat_task)
    assert Notification.objects.filter(recipient=user, title="导入已排队").exists()


@pytest.mark.django_db(transaction=True)
def test_enqueue_gives_up_on_a_broker_that_accepts_and_never_answers(silent_broker, settings):
    settings.HALLQ_ENQUEUE_CONNECT_TIMEOUT = 0.5
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable):
        enqueue(worker_heartbeat_task)
    assert time.monotonic() - started < 3


@pytest.mark.django_db(transaction=True)
def test_a_broker_failure_is_logged_without_the_broker_address(broker_down, caplog):
    with pytest.raises(BrokerUnavailable):
        enqueue(worker_heartbeat_task)
    assert "enqueue_failed task=halls.worker_heartbeat error=OperationalError" in caplog.text
    assert "127.0.0.1" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_enqueue_in_eager_mode_runs_the_task_in_process():
    from tests.ops.conftest import broker_at

    with broker_at("memory://") as app:
        app.conf.task_always_eager = True
        enqueue(worker_heartbeat_task)
    assert WorkerHeartbeat.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_enqueue_delivers_through_the_real_broker_to_a_worker(real_broker):
    with celery_worker() as (_process, queue):
        enqueue(worker_heartbeat_task)
        heartbeat = wait_for(
            lambda: WorkerHeartbeat.objects.filter(hostname__startswith=queue).first(), what="the worker's heartbeat"
        )
    assert heartbeat.last_seen is not None
