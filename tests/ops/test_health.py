"""/health/: database, broker and worker heartbeat, for load balancers and monitoring."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from halls.health import BROKER_DOWN_MESSAGE, DATABASE_DOWN_MESSAGE, worker_check
from halls.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_health_needs_no_login_and_reports_the_database_up_and_tasks_running_eagerly(client):
    from tests.ops.conftest import broker_at

    with broker_at("memory://"):
        response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["broker"]["status"] == "eager"
    assert body["checks"]["worker"]["status"] == "eager"
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_health_pings_a_real_broker(client, real_broker):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"status": "ok"}


def test_health_answers_503_with_a_clear_message_when_the_broker_is_down(client, broker_down):
    started = time.monotonic()
    response = client.get(reverse("health"))
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"] == {"status": "down", "message": BROKER_DOWN_MESSAGE}
    assert body["checks"]["database"] == {"status": "ok"}


def test_health_gives_up_on_a_broker_that_never_answers_within_its_timeout(client, silent_broker, settings):
    settings.HALLQ_HEALTH_BROKER_TIMEOUT = 0.5
    started = time.monotonic()
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert time.monotonic() - started < 3


def test_health_reveals_no_host_url_or_error_text(client, broker_down):
    WorkerHeartbeat.objects.create(hostname="celery@worker-7.internal", last_seen=timezone.now())
    text = client.get(reverse("health")).content.decode()
    for secret in ("127.0.0.1", "redis://", "worker-7", "Connection refused", "Error 111", "Traceback"):
        assert secret not in text


def test_health_only_answers_get_and_head(client):
    assert client.post(reverse("health")).status_code == 405
    assert client.head(reverse("health")).status_code in (200, 503)


def test_worker_is_ok_when_a_heartbeat_came_within_the_stale_window():
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="a", last_seen=now - dt.timedelta(seconds=30))
    WorkerHeartbeat.objects.create(hostname="b", last_seen=now - dt.timedelta(hours=2))
    report = worker_check(database_up=True, eager=False)
    assert report["status"] == "ok"
    assert report["alive"] == 1  # b's last heartbeat is two hours old
    assert 29 <= report["seconds_ago"] <= 35


def test_worker_is_stale_when_every_heartbeat_is_older_than_the_window(settings):
    WorkerHeartbeat.objects.create(hostname="a", last_seen=timezone.now() - dt.timedelta(minutes=10))
    report = worker_check(database_up=True, eager=False)
    assert report["status"] == "stale" and report["alive"] == 0 and report["message"]


def test_worker_is_none_when_no_heartbeat_ever_came():
    assert worker_check(database_up=True, eager=False)["status"] == "none"


def test_a_stale_worker_is_reported_but_does_not_fail_the_health_check(client, real_broker):
    WorkerHeartbeat.objects.create(hostname="a", last_seen=timezone.now() - dt.timedelta(hours=1))
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["status"] == "stale"


PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/health/")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def _probe(**env_overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "CELERY_BROKER_URL"}}
    env.update(env_overrides)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_health_answers_503_with_a_clear_message_when_the_database_is_down():
    # A real fault: a process whose database server refuses connections (nothing listens on port 1).
    result = _probe(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/hallq_absent",
    )
    assert result["status"] == 503
    body = result["body"]
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"status": "down", "message": DATABASE_DOWN_MESSAGE}
    assert body["checks"]["worker"]["status"] == "unknown"
    assert "hallq_absent" not in json.dumps(body)


def test_production_lets_the_health_probe_through_on_plain_http(tmp_path):
    result = _probe(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="p" * 60 + "-not-a-real-secret-9f8e7d6c5b4a",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )
    # Not redirected to HTTPS; the empty database answers, its missing tables leave the worker unknown.
    assert result["status"] == 200
    assert result["body"]["checks"]["database"]["status"] == "ok"
