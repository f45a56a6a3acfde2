"""Every role's home, the archive, the ranking and an error page fit the screen at 1366 × 900 and 390 × 844:
no element reaches past the viewport (wide tables scroll inside their own box), and the English menu stays
on one line at 1366 px. A screenshot of each goes to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from tests.browser.test_pages import _log_in, report_world  # noqa: F401  (a fixture)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = pytest.mark.browser

# Elements past the viewport's edges, leaving out what is inside a box that scrolls or clips (a wide table in
# .table-responsive, a collapsed menu) and what is not displayed.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return true;
    }
    return false;
  };
  return Array.from(document.body.querySelectorAll("*"))
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && (box.right > width + 1 || box.left < -1) && !clipped(el);
    })
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className);
}"""


def _check(page, name: str, size: str) -> None:
    page.wait_for_load_state("networkidle")
    for chart in page.query_selector_all("[data-chart]"):
        page.wait_for_selector(f"#{chart.get_attribute('id')}[data-drawn='true'] svg", timeout=10_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{size}.png"), full_page=True)
    assert page.evaluate(OVERFLOWING) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), name


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize(("username", "role"), [("hq", "hq"), ("dm_a", "district"), ("hm_a1", "hall")])
@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_each_role_s_pages_fit_the_screen(page, live_server, report_world, username, role, size):  # noqa: F811
    errors = _log_in(page, live_server, username)
    page.set_viewport_size(VIEWPORTS[size])
    page.goto(f"{live_server.url}/")
    _check(page, f"home-{role}", size)
    if role != "hall":  # the hall manager's home is his archive
        page.goto(f"{live_server.url}/halls/{report_world.hall_a1.pk}/?month=2026-06")
        _check(page, f"archive-{role}", size)
    page.goto(f"{live_server.url}/scoring/rankings/?month=2026-06")
    _check(page, f"ranking-{role}", size)
    page.goto(f"{live_server.url}/no-such-page/")
    assert page.inner_text("#error-page")
    _check(page, f"error-404-{role}", size)
    assert [error for error in errors if "/no-such-page/" not in error] == []


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_the_english_menu_stays_on_one_line_at_1366_px(page, live_server, report_world):  # noqa: F811
    _log_in(page, live_server, "hq")
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.click("footer button[value=en]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == "en"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "layout-english-menu-desktop.png"))
    middles = page.eval_on_selector_all(
        "#mainNav .nav-item",
        "items => items.map(i => { const b = i.getBoundingClientRect(); return b.top + b.height / 2; })",
    )
    assert max(middles) - min(middles) < 4, middles  # one row
    heights = page.eval_on_selector_all(
        "#mainNav .nav-link, #mainNav .navbar-text", "els => els.map(e => Math.round(e.getBoundingClientRect().height))"
    )
    assert max(heights) < 48, heights  # one line of text each, no label wrapped onto two
    assert page.evaluate(OVERFLOWING) == []  # and all of it on the screen (log-out included)
