"""Enqueueing background jobs.

Every view or service that starts a job calls :func:`enqueue`: the task is sent once the surrounding
transaction commits (so a worker never reads rows that are not there yet), and a broker that cannot be
reached becomes a :class:`BrokerUnavailable` error with a message for the user, never a 500. The caller
marks its job row failed when that happens, so nothing waits for a task that was never sent.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from halls.errors import ApplicationError

logger = logging.getLogger(__name__)

BROKER_DOWN_MESSAGE = "任务队列暂时不可用，任务未能启动，请稍后重试或联系系统管理员。"


class BrokerUnavailable(ApplicationError):
    def __init__(self):
        super().__init__(BROKER_DOWN_MESSAGE)


def enqueue(task, *, args: tuple = (), kwargs: dict | None = None) -> None:
    """Send ``task`` after the current transaction commits (at once outside a transaction)."""

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs or {}, retry=False)
        except (KombuOperationalError, ConnectionError, OSError) as exc:
            logger.error("enqueue_failed task=%s error=%s", task.name, type(exc).__name__)
            raise BrokerUnavailable() from exc

    transaction.on_commit(send, robust=False)
