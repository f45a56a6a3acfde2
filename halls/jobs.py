"""Enqueueing background jobs.

Every view or service that starts a job calls :func:`enqueue`: the task is sent once the surrounding
transaction commits (so a worker never reads rows that are not there yet), and a broker that cannot be
reached becomes a :class:`BrokerUnavailable` error with a message for the user, never a 500. The caller
marks its job row failed when that happens, so nothing waits for a task that was never sent.

A request must not hang on a broker that is down: the connection is tried once, with a short timeout
(``HALLQ_ENQUEUE_CONNECT_TIMEOUT``), instead of kombu's default of retrying until
``broker_connection_timeout`` runs out. Workers keep their own patient reconnection policy.

A service names the task it starts (``enqueue("incentives.split_bonus", ...)``, or :func:`task_named` for a
canvas) rather than importing it: a task module imports the service it calls, so a service importing its tasks
would be an import cycle.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from kombu.exceptions import OperationalError as KombuOperationalError

from halls.errors import ApplicationError

logger = logging.getLogger(__name__)

# Marked for translation here, translated when raised (the constant stays a plain str for comparisons).
BROKER_DOWN_MESSAGE = gettext_noop("任务队列暂时不可用，任务未能启动，请稍后重试或联系系统管理员。")

# What a broker that is down or unreachable raises, depending on where it fails: kombu wraps
# connection errors in its OperationalError; a socket refused or timed out surfaces as OSError.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError, TimeoutError)


class BrokerUnavailable(ApplicationError):
    def __init__(self):
        super().__init__(_(BROKER_DOWN_MESSAGE))


def task_named(name: str):
    """The registered Celery task called ``name`` (each task's ``name=``). A process that has not imported a
    task module yet (a web process) runs Celery's task autodiscovery first."""
    app = current_app._get_current_object()
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(task, *, args: tuple = (), kwargs: dict | None = None) -> None:
    """Send ``task`` (a task, or a task's name) after the current transaction commits (at once outside a
    transaction).

    Raises :class:`BrokerUnavailable` (from the ``atomic`` block's exit when inside one) if the broker
    cannot be reached; the transaction itself has committed by then.
    """

    if isinstance(task, str):
        task = task_named(task)

    def send() -> None:
        _publish(task, args=args, kwargs=kwargs or {})

    transaction.on_commit(send, robust=False)


def _publish(task, *, args: tuple, kwargs: dict) -> None:
    """Publish ``task`` now, trying the broker once with a short timeout."""
    app = task.app
    if app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs)
        return
    try:
        with broker_connection(app, timeout=settings.HALLQ_ENQUEUE_CONNECT_TIMEOUT) as connection:
            task.apply_async(args=args, kwargs=kwargs, connection=connection, retry=False)
    except BROKER_ERRORS as exc:
        logger.error("enqueue_failed task=%s error=%s", task.name, type(exc).__name__)
        raise BrokerUnavailable() from exc


@contextmanager
def broker_connection(app, *, timeout: float):
    """A connection to ``app``'s broker, established with one attempt bounded by ``timeout`` seconds.

    The socket timeouts bound a broker that drops packets or accepts and never answers; ``max_retries=0``
    makes one attempt where kombu would otherwise sleep and retry until ``broker_connection_timeout``.
    Raises one of :data:`BROKER_ERRORS` when the broker cannot be reached.
    """
    transport_options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    with app.connection_for_write(connect_timeout=timeout, transport_options=transport_options) as connection:
        connection.ensure_connection(max_retries=0, timeout=timeout)
        yield connection


def broker_is_eager(app) -> bool:
    """True when no broker is configured and tasks run in-process (the one-machine default)."""
    return app.conf.broker_url.startswith("memory://")
