"""The staff archive, ranking and bottom list in Debian's chromium: no script or CSP error, no sideways scroll on
a phone; screenshots at 1366 and 390 px go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
import time_machine

from tests.halls.staff_world import staff_world_build

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed"),
]


def _log_in(page, live_server, username: str) -> list[str]:
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("favicon.ico") else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return errors


def _both_widths(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width} px"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


@time_machine.travel(dt.datetime(2026, 3, 20, 4, 0, tzinfo=dt.UTC), tick=True)
def test_a_district_manager_reads_the_staff_pages_on_desktop_and_phone(page, live_server, transactional_db):
    world = staff_world_build()
    errors = _log_in(page, live_server, world.inspector_h1.username)
    page.goto(f"{live_server.url}/halls/staff/{world.staff['a'].pk}/")
    assert "95.00" in page.inner_text("#staff-months")
    _both_widths(page, "staff-archive")
    page.goto(f"{live_server.url}/halls/staff/ranking/?month=2026-03&unit={world.h1.marketing_unit_id}")
    assert page.eval_on_selector_all("#staff-ranking tbody tr", "rows => rows.length") == 3
    _both_widths(page, "staff-ranking")
    page.goto(f"{live_server.url}/halls/staff/bottom/?month=2026-03")
    assert "营业员c" in page.inner_text("#staff-bottom")
    _both_widths(page, "staff-bottom")
    assert errors == []
