"""The inspection entry on a phone (390 × 844) that survives a dropped connection: large controls within the
screen, what is typed kept through an offline reload, a queued submit sent once when the connection is back,
a double tap submitting once, and two phones on one draft meeting a conflict instead of an overwrite."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from inspections.models import Inspection, InspectionItem, InspectionState, Photo
from inspections.services.entry import inspection_start
from inspections.services.tree import default_tree_load
from scoring.services import default_policy_load
from tests.browser.test_inspection_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.offline]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
# Every visible control of a form lower than 44 px or reaching outside the screen, described.
TOO_SMALL = """(form) => Array.from(document.querySelectorAll(
        `${form} input, ${form} textarea, ${form} select, ${form} button`))
    .filter(el => el.type !== 'hidden')
    .map(el => ({name: el.name || el.textContent.trim(), box: el.getBoundingClientRect()}))
    .filter(({box}) => box.height < 44 || box.left < 0 || box.right > window.innerWidth)
    .map(({name, box}) => `${name}: ${Math.round(box.width)}x${Math.round(box.height)} at ${Math.round(box.left)}`)"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "device_scale_factor": 1, "has_touch": True}


@pytest.fixture
def draft(world):
    from django.utils import timezone

    default_tree_load()
    default_policy_load()
    return inspection_start(
        user=world.district_a,
        hall=world.hall_a1,
        kind="overt",
        inspected_at=timezone.now() - timezone.timedelta(hours=1),
    )


def photo_bytes(width: int = 3200, height: int = 2400) -> bytes:
    """A large camera-sized JPEG, which the page reduces to 1,600 px on its long side."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(buffer, format="JPEG", quality=60)
    return buffer.getvalue()


def open_entry(page, base: str, inspection_id: int) -> None:
    page.goto(f"{base}/inspections/{inspection_id}/edit/")
    page.wait_for_selector("form[data-offline-started]")


def points_inputs(page):
    return page.locator("tr[data-leaf] td.entry-points input")


def fill_points(page, indexes, *, minus: float = 0) -> None:
    inputs = points_inputs(page)
    for index in indexes:
        field = inputs.nth(index)
        field.fill(f"{float(field.get_attribute('max')) - minus:g}")


def wait_saved(page) -> None:
    # Waits by selector: the page's CSP forbids the string evaluation wait_for_function would use.
    page.wait_for_selector("#entry-sync[data-tone=ok]")


def go_offline(context) -> None:
    context.set_offline(True)


def go_online(context) -> None:
    context.set_offline(False)


def test_every_input_of_the_entry_page_is_large_enough_and_inside_the_screen(page, live_server, world, draft):
    log_in(page, live_server.url, "dm_a")
    open_entry(page, live_server.url, draft.pk)
    count = points_inputs(page).count()
    fill_points(page, range(count))
    page.locator("tr[data-leaf] td.entry-note input").first.fill("发型不规范")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "entry-phone-390.png"), full_page=True)
    too_small = page.evaluate(TOO_SMALL, "#entry-form")
    assert too_small == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The running total and the dimensions' subtotals stay in view while scrolling.
    points_inputs(page).nth(count // 2).scroll_into_view_if_needed()
    bar = page.locator("#entry-bar").bounding_box()
    assert bar["y"] + bar["height"] <= PHONE["height"] + 1 and bar["y"] > PHONE["height"] / 2
    page.screenshot(path=str(ARTIFACTS / "entry-phone-390-scrolled.png"))
    assert "→ 100" in page.locator("#entry-total").inner_text()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "entry-desktop-1366.png"), full_page=True)


def test_the_stepper_and_the_jump_to_the_next_unfilled_item(page, live_server, world, draft):
    log_in(page, live_server.url, "dm_a")
    open_entry(page, live_server.url, draft.pk)
    first = page.locator("tr[data-leaf]").nth(0)
    first.locator("button[data-full]").click()
    maximum = float(points_inputs(page).nth(0).get_attribute("max"))
    assert float(points_inputs(page).nth(0).input_value()) == maximum
    first.locator("button[data-step='-0.5']").click()
    assert float(points_inputs(page).nth(0).input_value()) == maximum - 0.5
    page.locator("#entry-next").click()
    assert page.evaluate("document.activeElement.name") == points_inputs(page).nth(1).get_attribute("name")


def test_typed_offline_kept_through_a_reload_queued_and_submitted_once_when_back_online(
    page, context, live_server, world, draft
):
    base = live_server.url
    log_in(page, base, "dm_a")
    open_entry(page, base, draft.pk)
    page.wait_for_selector("html[data-offline-ready]")
    count = points_inputs(page).count()
    half = count // 2
    fill_points(page, range(half))
    wait_saved(page)

    go_offline(context)
    fill_points(page, range(half, count), minus=0.5)
    notes = page.locator("tr[data-leaf] td.entry-note input")
    notes.nth(0).fill("工牌未佩戴")
    notes.nth(count - 1).fill("等候区座椅破损")
    page.locator("tr[data-leaf] input[type=file]").nth(count - 1).set_input_files(
        files=[{"name": "seat.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    page.wait_for_selector("figure.entry-photo[data-state=waiting]")

    page.reload()
    page.wait_for_selector("form[data-offline-started]")
    typed = [points_inputs(page).nth(i).input_value() for i in range(count)]
    maxima = [float(points_inputs(page).nth(i).get_attribute("max")) for i in range(count)]
    assert [float(v) for v in typed] == [m if i < half else m - 0.5 for i, m in enumerate(maxima)]
    assert notes.nth(0).input_value() == "工牌未佩戴"
    assert notes.nth(count - 1).input_value() == "等候区座椅破损"
    assert page.locator("figure.entry-photo[data-state=waiting]").count() == 1

    page.locator("#entry-submit").click()
    page.wait_for_selector("#entry-sync:has-text('排队')")
    page.screenshot(path=str(ARTIFACTS / "entry-offline-queued-390.png"), full_page=False)
    assert Inspection.objects.get(pk=draft.pk).state == InspectionState.DRAFT

    go_online(context)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_url(f"**/inspections/{draft.pk}/", timeout=30_000)
    assert Inspection.objects.count() == 1
    inspection = Inspection.objects.get(pk=draft.pk)
    assert inspection.state == InspectionState.SUBMITTED
    items = InspectionItem.objects.filter(inspection=inspection, indicator__kind="scored")
    assert items.filter(points__isnull=False).count() == count
    assert set(items.exclude(note="").values_list("note", flat=True)) == {"工牌未佩戴", "等候区座椅破损"}
    photo = Photo.objects.get(inspection=inspection)
    with Image.open(photo.file.open("rb")) as image:
        assert image.format == "JPEG" and max(image.size) == 1600


def test_a_double_tap_on_submit_submits_once(page, live_server, world, draft):
    log_in(page, live_server.url, "dm_a")
    open_entry(page, live_server.url, draft.pk)
    fill_points(page, range(points_inputs(page).count()))
    page.locator("#entry-submit").dblclick()
    page.wait_for_url(f"**/inspections/{draft.pk}/")
    assert Inspection.objects.count() == 1
    inspection = Inspection.objects.get(pk=draft.pk)
    assert inspection.state == InspectionState.SUBMITTED and inspection.submit_key is not None
    assert inspection.history.filter(state=InspectionState.SUBMITTED).count() == 1
    assert "该检查已提交" not in page.content()


def test_two_phones_on_one_draft_the_second_save_shows_a_conflict_and_keeps_its_values(
    browser, live_server, world, draft, browser_context_args
):
    base = live_server.url
    phones = [browser.new_context(**browser_context_args) for _ in range(2)]
    first, second = (phone.new_page() for phone in phones)
    for page in (first, second):
        log_in(page, base, "dm_a")
        open_entry(page, base, draft.pk)

    fill_points(first, [0])
    wait_saved(first)
    fill_points(second, [0], minus=1)
    second.locator("tr[data-leaf] td.entry-note input").nth(0).fill("第二部手机的说明")
    second.wait_for_selector("#entry-conflict:not([hidden])")
    second.screenshot(path=str(ARTIFACTS / "entry-conflict-390.png"), full_page=False)
    maximum = float(points_inputs(second).nth(0).get_attribute("max"))
    assert float(points_inputs(second).nth(0).input_value()) == maximum - 1
    rows = second.locator("#entry-conflict [data-conflict-rows] tr")
    assert rows.count() == 2  # the points and the note differ
    assert f"{maximum:g}" in rows.nth(0).inner_text() and f"{maximum - 1:g}" in rows.nth(0).inner_text()
    item = InspectionItem.objects.get(inspection=draft)
    assert float(item.points) == maximum  # the first phone's save is not overwritten

    second.locator("[data-conflict=mine]").click()
    wait_saved(second)
    item.refresh_from_db()
    assert float(item.points) == maximum - 1 and item.note == "第二部手机的说明"
    for phone in phones:
        phone.close()


def test_the_rectification_answer_and_the_appeal_form_have_large_controls_within_the_screen(page, live_server, world):
    from tests.samples import samples_build

    samples = samples_build(world)
    # The samples' lost item is appealed already (an item is appealed once): lose a point on another one.
    other = (
        InspectionItem.objects.filter(inspection=samples.item.inspection, indicator__kind="scored")
        .exclude(pk=samples.item.pk)
        .select_related("indicator")
        .first()
    )
    InspectionItem.objects.filter(pk=other.pk).update(points=other.indicator.points - 1)
    log_in(page, live_server.url, world.manager_a1.username)
    pages = {
        "rectification": f"/inspections/rectifications/{samples.rectification.pk}/",
        "appeal": f"/inspections/items/{other.pk}/appeal/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        assert page.locator("form.phone-form").count() == 1, name
        assert page.evaluate(TOO_SMALL, "form.phone-form") == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        page.screenshot(path=str(ARTIFACTS / f"{name}-phone-390.png"), full_page=True)


def test_the_login_page_drops_the_kept_entry_pages(page, live_server, world, draft):
    log_in(page, live_server.url, "dm_a")
    open_entry(page, live_server.url, draft.pk)
    page.wait_for_selector("html[data-offline-ready]")
    kept = "async () => { const c = await caches.open('hallq-entry-pages'); return (await c.keys()).length; }"
    assert page.evaluate(kept) == 1
    page.goto(f"{live_server.url}/accounts/login/")  # where signing out lands
    page.wait_for_load_state()
    page.wait_for_timeout(300)
    assert page.evaluate("async () => (await caches.keys()).includes('hallq-entry-pages')") is False
