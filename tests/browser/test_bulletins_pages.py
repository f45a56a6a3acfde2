"""HQ asks for a month's bulletins on the page and downloads one; screenshots of the list (390 and 1366 px)
and of a bulletin's HTML as WeasyPrint receives it (its SVG charts drawn) go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from scoring.models import Bulletin, BulletinLevel
from scoring.services.bulletins import bulletin_html
from tests.browser.test_pages import _log_in
from tests.reports.factories import JUNE, gradings_build, inspection_submit

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture
def bulletin_world(transactional_db, world):
    gradings_build(world)
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.1": 10})
    inspection_submit(hall=world.hall_b1, month=JUNE, points={"Q1.1": 20})
    return world


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC), tick=True)
def test_hq_asks_for_the_months_bulletins_and_downloads_one(page, live_server, bulletin_world):
    ARTIFACTS.mkdir(exist_ok=True)
    errors = _log_in(page, live_server, "hq")
    page.goto(f"{live_server.url}/scoring/bulletins/")
    page.select_option("#bulletin-request select", "2026-06")
    page.click("#bulletin-request button[type=submit]")
    page.wait_for_load_state("networkidle")
    links = page.locator("#bulletins a", has_text="下载 PDF")
    assert links.count() == 4  # the province, the city, two districts
    with page.expect_download() as download:
        links.first.click()
    assert download.value.suggested_filename.startswith("bulletin-2026-06-")
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"bulletin-list-{width}.png"), full_page=True)
    # The bulletin as WeasyPrint lays it out (HTML + static/css/pdf.css), for a look at its charts.
    html = bulletin_html(bulletin=Bulletin.objects.get(level=BulletinLevel.PROVINCE))
    sheet = page.context.new_page()  # a blank page: outside the site and its CSP
    sheet.set_content(html)
    sheet.add_style_tag(path=str(settings.BASE_DIR / "static" / "css" / "pdf.css"))
    sheet.set_viewport_size({"width": 900, "height": 1200})
    assert sheet.locator("svg rect").count() > 4
    sheet.screenshot(path=str(ARTIFACTS / "bulletin-province-html.png"), full_page=True)
    assert errors == []
