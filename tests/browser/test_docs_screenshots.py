"""The screenshots of the user guides (docs/img/) are taken here, from the real pages, at a phone's width (390
px) and a desktop's (1366 px): re-run this test after changing a page and commit the new images. Each page is
checked to be the one the guide describes before it is photographed. Full-page copies go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from tests.browser.test_pages import _log_in, report_world  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[2]
DOC_IMAGES = ROOT / "docs" / "img"
ARTIFACTS = ROOT / "test-artifacts"
WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}

pytestmark = [
    pytest.mark.browser,
]


def _photograph(page, name: str, width: str) -> Path:
    """The page at ``width``: the first screen for the docs, the whole page for test-artifacts/."""
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.reload()
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways at {width} width"
    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    ARTIFACTS.mkdir(exist_ok=True)
    image = DOC_IMAGES / f"{name}-{width}.png"
    page.screenshot(path=str(image))
    page.screenshot(path=str(ARTIFACTS / f"docs-{name}-{width}.png"), full_page=True)
    return image


def _images_referenced_by_the_guides() -> set[str]:
    text = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "docs").rglob("*.md"))
    return {name for name in (path.name for path in DOC_IMAGES.glob("*.png")) if f"img/{name}" in text}


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_screenshots_of_the_hall_managers_guide(page, live_server, report_world):  # noqa: F811
    errors = _log_in(page, live_server, "hm_a1")
    assert page.url.endswith(f"/halls/{report_world.hall_a1.pk}/")
    assert page.inner_text("#archive-composite") == "92.50"
    for width in WIDTHS:
        assert _photograph(page, "hall-archive", width).stat().st_size > 10_000
    page.goto(f"{live_server.url}/scoring/rankings/")
    assert page.eval_on_selector_all("tr.own-hall", "rows => rows.length") == 1
    _photograph(page, "rankings", "phone")
    assert errors == []


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_screenshots_of_the_district_managers_guide(page, live_server, report_world):  # noqa: F811
    errors = _log_in(page, live_server, "dm_a")
    assert page.url.endswith("/scoring/district/")
    assert page.inner_text("#kpi-halls") == "2"
    for width in WIDTHS:
        _photograph(page, "district-home", width)
    assert errors == []


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_screenshots_of_the_city_guide(page, live_server, report_world):  # noqa: F811
    from tests.factories import city_manager

    city_manager(report_world.hall_a1.district.city, username="cm_a")
    errors = _log_in(page, live_server, "cm_a")
    assert page.url.endswith("/scoring/district/")
    assert page.inner_text("h1").startswith("地市工作台")
    assert page.inner_text("#kpi-halls") == "4"
    for width in WIDTHS:
        _photograph(page, "city-home", width)
    assert errors == []
    assert {"city-home-desktop.png", "city-home-phone.png"} <= _images_referenced_by_the_guides()


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_screenshots_of_the_hq_guide(page, live_server, report_world):  # noqa: F811
    errors = _log_in(page, live_server, "hq")
    assert page.url.endswith("/scoring/dashboard/")
    page.wait_for_selector("#chart-heatmap[data-drawn='true'] svg", timeout=10_000)
    for width in WIDTHS:
        _photograph(page, "hq-dashboard", width)
    page.goto(f"{live_server.url}/surveys/imports/")
    assert page.is_visible("text=下载模板")
    _photograph(page, "hq-imports", "desktop")
    assert errors == []
    # Every image this test takes is shown by a page of the docs (and mkdocs --strict checks the reverse).
    assert {"hall-archive-desktop.png", "hq-dashboard-desktop.png", "hq-imports-desktop.png"} <= (
        _images_referenced_by_the_guides()
    )
