"""HQ revises the default tree in a real browser, on a desk screen and on a phone: copies the scheme in force,
changes a leaf, sees the activation check fail and pass, activates; a district manager then enters a
queue patrol against its check template. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspections.models import Indicator, IndicatorScheme, Inspection, SchemeState
from inspections.services.tree import default_tree_load
from scoring.services import default_policy_load
from tests.browser.test_inspection_flow import log_in

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESK, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in (("1366", DESK), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESK)


def test_hq_revises_the_tree_in_the_browser_and_a_patrol_is_entered_against_a_template(page, live_server, world):
    scheme, _ = default_tree_load()
    default_policy_load()
    base = live_server.url
    page.set_viewport_size(DESK)

    log_in(page, base, "hq")
    page.goto(f"{base}/inspections/schemes/{scheme.pk}/")
    page.get_by_role("link", name="复制为新草稿").click()
    page.fill("#id_name", "2027 版")
    page.fill("#id_effective_from", "2027-01")
    page.get_by_role("button", name="复制").click()
    page.wait_for_url("**/edit/")
    draft = IndicatorScheme.objects.get(state=SchemeState.DRAFT)
    assert "校验通过" in page.locator("#scheme-problems").inner_text()

    # Hair tied up goes from 3 to 2 points: the service norms sum to 39, the tree to 99.
    hair = Indicator.objects.get(scheme=draft, code="SN1.1")
    page.locator(f"#ind-{hair.pk}").get_by_role("link", name="编辑").click()
    page.fill("#id_points", "2")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/edit/#ind-*")
    assert "一级指标分值之和为 99，应为 100" in page.locator("#problem-list").inner_text()
    assert page.locator("#activate-button").is_disabled()

    # A new leaf under appearance makes up the point.
    appearance = Indicator.objects.get(scheme=draft, code="SN1")
    page.locator(f"#ind-{appearance.pk}").get_by_role("link", name="添加下级").click()
    page.fill("#id_code", "SN1.4")
    page.fill("#id_name_zh", "佩戴口罩规范")
    page.fill("#id_name_en", "Mask worn properly")
    page.fill("#id_points", "1")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/edit/#ind-*")
    assert "校验通过" in page.locator("#scheme-problems").inner_text()
    assert page.locator("#what-if-link").get_attribute("href").endswith(f"?scheme={draft.pk}")
    shoot(page, "tree-editor")

    # Removing asks first: dismissed, nothing goes; accepted, the award bonus item goes.
    award = Indicator.objects.get(scheme=draft, code="BON2")
    remove = page.locator(f"#ind-{award.pk}").get_by_role("button", name="删除")
    page.once("dialog", lambda dialog: dialog.dismiss())
    remove.click()
    page.wait_for_timeout(500)  # time enough for a submission, had one been let through
    assert Indicator.objects.filter(pk=award.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    page.wait_for_selector(f"#ind-{award.pk}", state="detached")
    assert not Indicator.objects.filter(pk=award.pk).exists()

    page.locator("#activate-button").click()
    page.wait_for_url(f"**/inspections/schemes/{draft.pk}/")
    assert "生效" in page.locator("h1").inner_text()
    draft.refresh_from_db()
    assert draft.state == SchemeState.ACTIVE

    # The scheme in force from 2027 is not today's: the patrol below runs on the default tree's template.
    page.context.clear_cookies()
    log_in(page, base, "dm_a")
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/inspections/new/{world.hall_a1.pk}/")
    page.select_option("#id_kind", "remote")
    page.select_option("#id_template_code", "QUEUE")
    page.get_by_role("button", name="开始录入").click()
    page.wait_for_url("**/edit/")
    inputs = page.locator("td.entry-points input")
    assert inputs.count() == 6  # the queuing dimension's six leaves
    for index in range(inputs.count()):
        field = inputs.nth(index)
        field.fill(field.get_attribute("max"))
    page.screenshot(path=str(ARTIFACTS / "template-entry-390.png"), full_page=True)
    page.locator("#entry-submit").click()
    page.wait_for_url("**/inspections/*/")
    assert "远程监控 · 排队管理巡检" in page.locator("h1").inner_text()
    inspection = Inspection.objects.get(hall=world.hall_a1)
    assert (inspection.points_applicable, inspection.score) == (20, 100)
