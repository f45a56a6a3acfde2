"""The health report behind ``/health/``: database, broker and when a worker was last seen.

It is read by load balancers and monitoring without logging in, so it says what is up or down and
nothing else: no host names, URLs, versions or exception texts (those go to the log).
"""

from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max, Q
from django.utils import timezone

from halls.jobs import BROKER_ERRORS, broker_connection, broker_is_eager
from halls.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK, DOWN, EAGER = "ok", "down", "eager"
DATABASE_DOWN_MESSAGE = "数据库无法连接"
BROKER_DOWN_MESSAGE = "任务队列（消息代理）无法连接，后台任务无法启动"
WORKER_NONE_MESSAGE = "从未收到后台进程的心跳"
WORKER_STALE_MESSAGE = "后台进程心跳已超时，请检查 celery worker 与 celery beat 是否在运行"


def database_check() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("health_database_down error=%s", type(exc).__name__)
        return {"status": DOWN, "message": DATABASE_DOWN_MESSAGE}
    return {"status": OK}


def broker_check() -> dict:
    # The project's Celery app (config makes it the current one); halls does not import config, which is above it.
    app = current_app._get_current_object()
    if broker_is_eager(app):
        return {"status": EAGER, "message": "未配置消息代理，任务在网页进程内执行"}
    try:
        with broker_connection(app, timeout=settings.HALLQ_HEALTH_BROKER_TIMEOUT):
            pass
    except BROKER_ERRORS as exc:
        logger.error("health_broker_down error=%s", type(exc).__name__)
        return {"status": DOWN, "message": BROKER_DOWN_MESSAGE}
    return {"status": OK}


def worker_check(*, database_up: bool, eager: bool) -> dict:
    """When a worker last ran its heartbeat (every minute, from beat) and how many did recently."""
    if not database_up:
        return {"status": "unknown", "last_seen": None, "seconds_ago": None, "alive": None}
    now = timezone.now()
    try:
        seen = WorkerHeartbeat.objects.aggregate(
            latest=Max("last_seen"),
            alive=Count("pk", filter=Q(last_seen__gte=now - settings.HALLQ_WORKER_STALE_AFTER)),
        )
    except DatabaseError as exc:  # e.g. migrations not yet applied
        logger.error("health_worker_unknown error=%s", type(exc).__name__)
        return {"status": "unknown", "last_seen": None, "seconds_ago": None, "alive": None}
    last_seen = seen["latest"]
    report = {
        "last_seen": timezone.localtime(last_seen).isoformat() if last_seen else None,
        "seconds_ago": int((now - last_seen).total_seconds()) if last_seen else None,
        "alive": seen["alive"],
    }
    if eager:
        return {"status": EAGER, **report}
    if last_seen is None:
        return {"status": "none", "message": WORKER_NONE_MESSAGE, **report}
    if not seen["alive"]:
        return {"status": "stale", "message": WORKER_STALE_MESSAGE, **report}
    return {"status": OK, **report}


def health_report() -> tuple[dict, bool]:
    """The report and whether the service is healthy (database and broker up).

    A missing or stale worker is reported but does not make the service unhealthy: pages still work,
    and a load balancer must not take the web servers out because a worker machine is down.
    """
    database = database_check()
    broker = broker_check()
    worker = worker_check(database_up=database["status"] == OK, eager=broker["status"] == EAGER)
    healthy = database["status"] == OK and broker["status"] in (OK, EAGER)
    report = {
        "status": OK if healthy else "error",
        "time": timezone.localtime().isoformat(),
        "checks": {"database": database, "broker": broker, "worker": worker},
    }
    return report, healthy
