"""Each role logs in through the login form, lands on its home page, sees its own figures, and every chart
on the page has drawn (an SVG with shapes in it). A full-page screenshot per role goes to test-artifacts/.

Runs Debian's chromium through Playwright; skipped where chromium is not installed (never
``playwright install``: nothing can be downloaded here)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from inspections.models import InspectionKind
from tests.reports.factories import JULY, JUNE, gradings_build, inspection_submit

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
]


@pytest.fixture
def report_world(transactional_db, world):
    """``world`` with May and June published and July in draft, and inspections in June and July."""
    gradings_build(world)
    for month in (JUNE, JULY):
        inspection_submit(hall=world.hall_a1, month=month, points={"S1.1": 10}, inspector=world.district_a)
        inspection_submit(hall=world.hall_a2, month=month, points={"Q1.1": 20}, inspector=world.district_a)
        inspection_submit(hall=world.hall_b1, month=month, points={"S2.1": 15}, inspector=world.district_b)
        inspection_submit(hall=world.hall_b2, month=month, kind=InspectionKind.MYSTERY, vendor="暗访甲")
    return world


def _log_in(page, live_server, username: str) -> list[str]:
    """Log in through the form; returns the list that collects the page's script errors (a CSP violation
    is one) and failed requests (the browser's own favicon request aside)."""
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return errors


def _assert_charts_drawn(page, chart_ids: list[str]) -> None:
    for chart_id in chart_ids:
        page.wait_for_selector(f"#{chart_id}[data-drawn='true'] svg", timeout=10_000)
        shapes = page.eval_on_selector(f"#{chart_id} svg", "svg => svg.querySelectorAll('path, rect, text').length")
        assert shapes > 5, f"{chart_id} drew an empty SVG"
    rendered = page.eval_on_selector_all("[data-chart]", "els => els.map(e => e.id + ':' + (e.dataset.drawn || ''))")
    assert all(item.endswith(":true") for item in rendered), rendered


def _screenshot(page, role: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{role}.png"), full_page=True)


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_hall_manager_home_is_his_archive_with_its_charts(page, live_server, report_world):
    errors = _log_in(page, live_server, "hm_a1")
    assert page.url.endswith(f"/halls/{report_world.hall_a1.pk}/")
    assert page.inner_text("#archive-composite") == "92.50"  # June, published; the July draft stays hidden
    assert page.inner_text("#archive-grade") == "A"
    assert page.inner_text("#archive-rank-city") == "1"
    assert "95.00 × 40.00% = 38.00" in page.inner_text("#explanation")
    _assert_charts_drawn(page, ["chart-trend", "chart-dimensions"])
    _screenshot(page, "hall-manager")
    # On paper: no navigation or month picker, the charts still drawn as SVG.
    page.emulate_media(media="print")
    assert not page.is_visible("nav.navbar") and not page.is_visible("#month-picker")
    _assert_charts_drawn(page, ["chart-trend", "chart-dimensions"])
    page.pdf(path=str(ARTIFACTS / "archive-hall-manager.pdf"))
    _screenshot(page, "hall-manager-print")
    assert errors == []


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_district_manager_home_shows_his_halls_and_work(page, live_server, report_world):
    errors = _log_in(page, live_server, "dm_a")
    assert page.url.endswith("/scoring/district/")
    assert page.inner_text("#kpi-halls") == "2"
    rows = page.eval_on_selector_all("#district-halls tbody tr", "rows => rows.map(r => r.dataset.hall)")
    assert rows == [report_world.hall_a1.code, report_world.hall_a2.code]
    # a1 is exempt in July and a2 was inspected in July: nothing is due.
    assert page.inner_text("#kpi-due") == "0"
    _assert_charts_drawn(page, ["chart-halls"])
    _screenshot(page, "district-manager")
    assert errors == []


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_hq_home_is_the_dashboard_with_heat_map_and_comparisons(page, live_server, report_world):
    errors = _log_in(page, live_server, "hq")
    assert page.url.endswith("/scoring/dashboard/")
    assert page.inner_text("#dashboard-month") == "2026-07"
    page.select_option("#id_month", "2026-06")
    page.click("#month-picker button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#dashboard-month") == "2026-06"
    assert page.inner_text("[data-status-count=exempt]") == "1"
    assert page.inner_text("#grade-table tr[data-grade=B] td:nth-child(3)") == "4"  # four B halls in May
    _assert_charts_drawn(page, ["chart-grades", "chart-heatmap", "chart-districts"])
    assert page.evaluate("typeof echarts.format.encodeHTML") == "function"  # the heat map tooltip escapes names
    _screenshot(page, "hq")
    assert errors == []


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_rankings_fit_a_phone_screen_with_the_own_hall_highlighted(page, live_server, report_world):
    _log_in(page, live_server, "hm_a1")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/scoring/rankings/")
    highlighted = page.eval_on_selector_all("tr.own-hall", "rows => rows.map(r => r.dataset.hall)")
    assert highlighted == [report_world.hall_a1.code]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    _screenshot(page, "hall-manager-rankings-phone")


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_city_manager_home_is_the_workbench_of_every_hall_of_his_city(page, live_server, report_world):
    from tests.factories import city_manager

    city_manager(report_world.hall_a1.district.city, username="cm_a")
    errors = _log_in(page, live_server, "cm_a")
    assert page.url.endswith("/scoring/district/")
    assert page.inner_text("h1").startswith("地市工作台")
    assert page.inner_text("#kpi-halls") == "4"
    rows = page.eval_on_selector_all("#district-halls tbody tr", "rows => rows.map(r => r.dataset.hall)")
    assert sorted(rows) == sorted(
        h.code for h in (report_world.hall_a1, report_world.hall_a2, report_world.hall_b1, report_world.hall_b2)
    )
    _assert_charts_drawn(page, ["chart-halls"])
    page.set_viewport_size({"width": 1366, "height": 900})
    _screenshot(page, "city-manager-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state("networkidle")
    _assert_charts_drawn(page, ["chart-halls"])
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    _screenshot(page, "city-manager-390")
    assert errors == []
