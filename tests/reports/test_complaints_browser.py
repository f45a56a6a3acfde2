"""The complaint analysis, the hall's satisfaction section and the driver analysis in Debian's chromium: every
chart draws under the CSP, nothing fails to load; screenshots at 390 and 1366 px wide go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from surveys.models import ServiceVolume
from tests.reports.test_satisfaction import MARCH, answer
from tests.reports.test_satisfaction import survey as survey  # noqa: F401, PLC0414  (the survey fixture)
from tests.surveys.factories import ComplaintFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
]


@pytest.fixture
def voice_world(transactional_db, world, survey):  # noqa: F811
    """March and February complaints and volumes in every hall; four halls answering the survey."""
    halls = [world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2]
    for month in (dt.date(2026, 2, 1), MARCH):
        for i, hall in enumerate(halls):
            ServiceVolume.objects.create(hall=hall, month=month, front_desk=5000 + 1000 * i)
            for category in ["服务态度", "等候时间", "业务差错"][: i + 1]:
                ComplaintFactory(hall=hall, month=month, category=category, channel=["10086", "微信"][i % 2])
    for hall, (overall, env, wait) in zip(halls, [(6, 5, 7), (7, 7, 6), (8, 6, 9), (9, 8, 8)], strict=True):
        answer(survey, hall, dt.date(2026, 2, 1), overall + 1, ENV=env + 1, WAIT=wait)
        answer(survey, hall, MARCH, overall, ENV=env, WAIT=wait)
    return world


def _open(page, live_server, username: str, path: str) -> list[str]:
    errors: list[str] = []
    # A failed request is caught by its response (with its address); the console's echo of it is not needed.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    return [e for e in errors if "favicon" not in e]


def _drawn_and_shot(page, chart_ids: list[str], name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        for chart_id in chart_ids:
            page.wait_for_selector(f"#{chart_id}[data-drawn='true'] svg", timeout=10_000)
            shapes = page.eval_on_selector(f"#{chart_id} svg", "svg => svg.querySelectorAll('path, rect, text').length")
            assert shapes > 5, f"{chart_id} drew an empty SVG"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


def test_the_complaint_analysis_draws_its_charts(page, live_server, voice_world):
    errors = _open(page, live_server, "hq", "/scoring/complaints/analysis/?month=2026-03")
    assert page.inner_text("#complaints-total") == "9"  # a1 1, a2 2, b1 3, b2 3 (three categories at most)
    _drawn_and_shot(page, ["chart-complaint-trend", "chart-complaint-category"], "complaint-analysis")
    assert errors == []


def test_the_hall_satisfaction_section_and_the_driver_analysis_draw(page, live_server, voice_world):
    errors = _open(page, live_server, "hm_a1", f"/halls/{voice_world.hall_a1.pk}/")
    page.wait_for_selector("#hall-satisfaction")
    _drawn_and_shot(page, ["chart-satisfaction-trend"], "hall-satisfaction")
    assert errors == []
    page.context.clear_cookies()
    errors = _open(page, live_server, "hq", "/scoring/satisfaction/drivers/?month=2026-03")
    assert page.locator("#drivers-simple tbody tr").count() == 2
    _drawn_and_shot(page, ["chart-drivers"], "satisfaction-drivers")
    assert errors == []
