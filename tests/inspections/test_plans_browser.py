"""Today's work, a district's plan and the plans' compliance in a real browser (Debian's chromium), at a phone's
and a desktop's width: no script error (the CSP holds), nothing wider than the screen; screenshots go to
test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from inspections.models import PlanLine
from inspections.services.plans import plan_lines_age
from tests.factories import hq_user
from tests.inspections.factories import publish_with_statuses

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-battery"
WIDTHS = (390, 1366)

pytestmark = [
    pytest.mark.browser,
]


@pytest.fixture
def planned(transactional_db, district_halls):
    district, manager, halls = district_halls
    publish_with_statuses(dt.date(2026, 2, 1), halls)
    plan_lines_age(today=dt.date(2026, 3, 10))
    hq_user(username="hq_plans")
    return manager


def _visit(page, live_server, username: str, path: str, name: str) -> None:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")  # the browser's own favicon request
            and errors.append(message.text)
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.context.clear_cookies()  # a fresh login for each user
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {width}px is {overflow}px wider than the screen"
        page.screenshot(path=str(ARTIFACTS / f"plans-{name}-{width}.png"), full_page=True)
    assert errors == []


@time_machine.travel(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC), tick=True)
def test_the_district_home_shows_todays_work(page, live_server, planned):
    _visit(page, live_server, planned.username, "/scoring/district/", "district-home")
    assert page.locator("#patrols-today li[data-kind=remote]").count() == 2


@time_machine.travel(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC), tick=True)
def test_the_plan_page_and_compliance_render_on_a_phone_and_a_desktop(page, live_server, planned):
    plan = PlanLine.objects.first().plan
    _visit(page, live_server, planned.username, f"/inspections/plans/{plan.pk}/", "plan")
    _visit(page, live_server, "hq_plans", "/inspections/plans/compliance/?month=2026-03", "compliance")
    assert page.locator("#patrols-not-done li[data-hall]").count() == 1
