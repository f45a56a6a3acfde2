from __future__ import annotations

import socket

from celery import shared_task


@shared_task(name="halls.worker_heartbeat", ignore_result=True, expires=120)
def worker_heartbeat_task() -> None:
    """Scheduled every minute; the health endpoint reports a worker as alive by its last heartbeat."""
    from halls.services import worker_heartbeat_record

    hostname = worker_heartbeat_task.request.hostname or socket.gethostname()
    worker_heartbeat_record(hostname=hostname)
