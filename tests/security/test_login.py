"""Login throttling (django-axes), password rules and the production cookie settings."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
LOCKED_OUT_MESSAGE = "登录失败次数过多，账户已暂时锁定"

pytestmark = pytest.mark.django_db


def _login(client, username: str, password: str, ip: str = "10.1.2.3"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail(client, username: str, times: int, ip: str = "10.1.2.3"):
    response = None
    for _ in range(times):
        response = _login(client, username, "wrong-password", ip)
    return response


def test_lockout_comes_after_the_failure_limit_with_a_clear_message(client):
    UserFactory(username="zhang")
    limit = settings.AXES_FAILURE_LIMIT
    response = _fail(client, "zhang", limit - 1)
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["invalid_login"]
    response = _fail(client, "zhang", 1)
    assert response.status_code == 429
    assert LOCKED_OUT_MESSAGE in response.content.decode()
    # Locked means locked: even the right password is refused now.
    response = _login(client, "zhang", PASSWORD)
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_another_user_at_the_same_address_is_not_locked_out(client):
    UserFactory(username="zhang")
    UserFactory(username="li")
    _fail(client, "zhang", settings.AXES_FAILURE_LIMIT)
    response = _login(client, "li", PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_the_same_user_at_another_address_is_not_locked_out(client):
    UserFactory(username="zhang")
    _fail(client, "zhang", settings.AXES_FAILURE_LIMIT, ip="10.1.2.3")
    assert _login(client, "zhang", PASSWORD, ip="10.9.9.9").status_code == 302


def test_a_correct_login_resets_the_failure_count(client):
    UserFactory(username="zhang")
    limit = settings.AXES_FAILURE_LIMIT
    _fail(client, "zhang", limit - 1)
    assert _login(client, "zhang", PASSWORD).status_code == 302
    client.logout()
    # Had the count not been reset, this many more failures would lock the account.
    response = _fail(client, "zhang", limit - 1)
    assert response.status_code == 200
    assert _login(client, "zhang", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off_time(client):
    UserFactory(username="zhang")
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _fail(client, "zhang", settings.AXES_FAILURE_LIMIT)
        assert _login(client, "zhang", PASSWORD).status_code == 429
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert _login(client, "zhang", "wrong-password").status_code == 429
    # The failure at minute 14 restarted the cool-off (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).
    with time_machine.travel(start + dt.timedelta(minutes=14 + 16), tick=False):
        assert _login(client, "zhang", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab3$xyz", "password_too_short"),
        ("password123", "password_too_common"),
        ("4829301756", "password_entirely_numeric"),
        ("zhangsan-2026", "password_too_similar"),
    ],
)
def test_weak_passwords_are_rejected(password, code):
    user = UserFactory.build(username="zhangsan-2026", email="zhangsan@example.com")
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user=user)
    assert code in {error.code for error in excinfo.value.error_list}


def test_a_long_unusual_password_is_accepted():
    user = UserFactory.build(username="zhangsan", email="zhangsan@example.com")
    validate_password("营业厅-晴朗-7Q!walnut", user=user)


PROBE = """
import django, json
django.setup()
from django.conf import settings as s
from django.test import Client, override_settings
# Pages link static files through the manifest, which only collectstatic writes; the rest is production.
plain_static = {**s.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain_static):
    client = Client()
    login = client.get("/accounts/login/", secure=True)
    plain = client.get("/accounts/login/")
csrf = login.cookies.get("csrftoken")
print(json.dumps({
    "session_secure": s.SESSION_COOKIE_SECURE, "session_httponly": s.SESSION_COOKIE_HTTPONLY,
    "csrf_secure": s.CSRF_COOKIE_SECURE, "csrf_httponly": s.CSRF_COOKIE_HTTPONLY,
    "csrf_cookie_secure_flag": bool(csrf and csrf["secure"]),
    "hsts": login.headers.get("Strict-Transport-Security", ""),
    "plain_status": plain.status_code, "plain_location": plain.headers.get("Location", ""),
    "debug": s.DEBUG,
}))
"""


def test_production_sends_cookies_only_over_https_and_redirects_plain_http(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="p" * 60 + "-not-a-real-secret-9f8e7d6c5b4a",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout.strip().splitlines()[-1])
    assert s["debug"] is False
    assert s["session_secure"] and s["session_httponly"] and s["csrf_secure"] and s["csrf_httponly"]
    assert s["csrf_cookie_secure_flag"], "the CSRF cookie set on the login page must carry the Secure flag"
    assert "max-age=31536000" in s["hsts"] and "includeSubDomains" in s["hsts"]
    assert s["plain_status"] == 301 and s["plain_location"].startswith("https://")


def test_an_over_long_username_is_a_form_error_not_a_failed_attempt(client):
    from axes.models import AccessAttempt

    response = _login(client, "z" * 300, "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert not AccessAttempt.objects.exists()
