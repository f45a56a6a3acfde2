"""Settings come from the environment: SQLite and eager tasks by default, PostgreSQL and Redis when set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
    " 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG,"
    " 'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE}))"
)


def _settings(module: str, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ENV"}}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    if out.returncode:
        return {"error": out.stderr}
    return json.loads(out.stdout)


def test_defaults_are_sqlite_eager_tasks_debug_chinese_and_shanghai_time():
    s = _settings("config.settings.local")
    assert s["engine"] == "django.db.backends.sqlite3" and s["name"].endswith("var/db.sqlite3")
    assert s["eager"] is True and s["debug"] is True
    assert (s["lang"], s["tz"]) == ("zh-hans", "Asia/Shanghai")


def test_database_and_broker_urls_switch_to_postgresql_and_a_real_worker():
    s = _settings(
        "config.settings.local",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hallq",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert s["engine"] == "django.db.backends.postgresql" and s["name"] == "hallq"
    assert s["eager"] is False and s["broker"] == "redis://127.0.0.1:6379/0"


def test_production_refuses_to_start_without_a_secret_key():
    s = _settings("config.settings.production", DJANGO_ALLOWED_HOSTS="example.com")
    assert "DJANGO_SECRET_KEY must be set in production" in s["error"]


def test_a_misspelt_boolean_fails_loudly():
    s = _settings("config.settings.local", DJANGO_DEBUG="ture")
    assert "DJANGO_DEBUG='ture' is not a boolean" in s["error"]


def test_production_passes_check_deploy_without_warnings():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x7!kq2@p9#m4v8$z1&w6^r3*t5(y0)u-l_j+h=g[f]d{s}a;e:c'b<n>" * 2,
        DJANGO_ALLOWED_HOSTS="halls.example.com",
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


@pytest.mark.django_db
def test_no_model_changes_are_missing_a_migration():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
