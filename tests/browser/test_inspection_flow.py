"""A district manager enters and submits an inspection with a photo; the hall manager answers the
rectification it opened. Real chromium, real pages, real JavaScript."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from inspections.models import Inspection, InspectionState, Photo, Rectification, RectificationState
from inspections.services.tree import default_tree_load
from scoring.services import default_policy_load

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (20, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_load_state()


def test_district_manager_submits_an_inspection_and_hall_manager_answers_the_rectification(page, live_server, world):
    default_tree_load()
    default_policy_load()
    base = live_server.url

    log_in(page, base, "dm_a")
    page.goto(f"{base}/halls/{world.hall_a1.pk}/")
    page.get_by_role("link", name="新建检查").click()
    page.get_by_role("button", name="开始录入").click()
    page.wait_for_url("**/edit/")

    inputs = page.locator("td.entry-points input")
    count = inputs.count()
    assert count > 20
    for index in range(count):
        field = inputs.nth(index)
        field.fill(field.get_attribute("max"))
    first = inputs.nth(0)
    first.fill(str(float(first.get_attribute("max")) - 1))
    # The page's own arithmetic runs as he types (the server recomputes on save).
    assert "→ 99" in page.locator("#entry-total").inner_text()
    page.locator("tr[data-leaf] input[type=file]").first.set_input_files(
        files=[{"name": "hair.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.locator("#entry-submit").click()
    page.wait_for_url("**/inspections/*/")
    assert "已提交" in page.locator("h1").inner_text()
    assert "99.00" in page.locator("#inspection-score").inner_text()

    inspection = Inspection.objects.get(hall=world.hall_a1)
    assert inspection.state == InspectionState.SUBMITTED
    assert Photo.objects.filter(inspection=inspection).count() == 1
    rectification = Rectification.objects.get(inspection=inspection)

    page.context.clear_cookies()
    log_in(page, base, "hm_a1")
    page.goto(f"{base}/inspections/rectifications/")
    page.locator(f"a[href='/inspections/rectifications/{rectification.pk}/']").click()
    page.fill("#id_fix_note", "已要求全体员工盘发，并拍照留档")
    page.locator("input[type=file][name=photos]").set_input_files(
        files=[{"name": "fixed.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.get_by_role("button", name="提交整改").click()
    page.wait_for_load_state()
    assert "待验证" in page.locator("#rectification-state").inner_text()
    rectification.refresh_from_db()
    assert rectification.state == RectificationState.FIXED
    assert rectification.photos.count() == 1
