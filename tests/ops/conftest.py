from __future__ import annotations

import os
import socket
from contextlib import contextmanager

import pytest

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@contextmanager
def broker_at(url: str):
    """Point the Celery app at ``url`` with eager mode off, as a deployment with that broker would be.

    Celery reads the ``CELERY_BROKER_URL`` environment variable before its configuration, so both change.
    """
    from config.celery_app import app

    previous = (app.conf.broker_url, app.conf.task_always_eager, os.environ.get("CELERY_BROKER_URL"))
    app.conf.broker_url, app.conf.task_always_eager = url, False
    os.environ["CELERY_BROKER_URL"] = url
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager, env_url = previous
        if env_url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = env_url


@pytest.fixture
def broker_down():
    with broker_at(CLOSED_PORT_BROKER) as app:
        yield app


@pytest.fixture
def real_broker():
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        pytest.skip("no CELERY_BROKER_URL: .ci/run's second pass runs this against Redis")
    with broker_at(url) as app:
        yield app


@pytest.fixture
def silent_broker():
    """A port that accepts connections and never answers: a hung broker, not a refused one."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        with broker_at(f"redis://127.0.0.1:{listener.getsockname()[1]}/0") as app:
            yield app
    finally:
        listener.close()
