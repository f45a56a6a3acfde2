"""A real Celery worker process for tests marked ``worker``.

It consumes a queue of its own on the broker in ``CELERY_BROKER_URL`` and talks to the test database,
so a test sees exactly what production would: a message through Redis, a separate process, a commit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        pytest.skip("no CELERY_BROKER_URL: .ci/run's second pass runs this against Redis with a real worker")
    return url


def test_database_url() -> str:
    """The URL of the test database this process uses, for the worker to share."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        pytest.skip("a separate worker process needs a server database (PostgreSQL), not an in-memory SQLite")
    user = s.get("USER") or "postgres"
    auth = f"{user}:{s['PASSWORD']}@" if s.get("PASSWORD") else f"{user}@"
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@contextmanager
def celery_worker(*, concurrency: int = 1, queue: str | None = None, extra_env: dict | None = None):
    """Start ``celery worker`` on a fresh queue; yield (process, queue); stop it afterwards."""
    from config.celery_app import app

    queue = queue or f"test-{uuid.uuid4().hex[:10]}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=test_database_url(),
        CELERY_BROKER_URL=broker_url(),
        DJANGO_DEBUG="false",
        **(extra_env or {}),
    )
    log = open(ROOT / "var" / f"worker-{queue}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "-c",
            str(concurrency),
            "-P",
            "prefork",
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield process, queue
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
