"""The 申诉 button is offered only where an appeal is possible, and the page says why it is not elsewhere."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from halls.errors import ApplicationError
from inspections.models import InspectionItem
from inspections.services.appeals import appeal_decide, appeal_file
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import at, inspection_enter

pytestmark = pytest.mark.usefixtures("march", "policy")


@pytest.fixture
def inspection(world, small_scheme):
    """A1.1 lost 5 points, A1.2 lost 3, B1.2 is not applicable, the rest full; a deduction and a bonus."""
    values = {**FULL_MARKS, "A1.1": 20, "A1.2": 12, "B1.2": "na", "X": 1, "P": 1}
    return inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values=values)


def item(inspection, code):
    return InspectionItem.objects.select_related("inspection", "indicator").get(
        inspection=inspection, indicator__code=code
    )


def _appeal_cells(client, inspection) -> dict[str, str]:
    """Each result row's indicator code → the text of its 申诉 cell (last column)."""
    page = client.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    cells = {}
    for row in re.findall(r"<tr>\s*<td><code>(.*?)</tr>", page, re.S):
        code = row.split("</code>")[0]
        cells[code] = re.findall(r"<td>(.*?)</td>", row, re.S)[-1]
    return cells


def test_the_appeal_button_is_offered_only_on_items_that_lost_points(client, world, inspection):
    client.force_login(world.manager_a1)
    cells = _appeal_cells(client, inspection)
    offered = {code for code, cell in cells.items() if "/appeal/" in cell}
    assert offered == {"A1.1", "A1.2", "X"}
    assert "满分，无需申诉" in cells["A2.1"] and "满分，无需申诉" in cells["B1.1"]
    assert "不适用项无需申诉" in cells["B1.2"]
    assert "加分项无需申诉" in cells["P"]


def test_an_item_whose_appeal_is_pending_or_decided_is_not_offered_again(client, world, inspection):
    appeal_file(user=world.manager_a1, item=item(inspection, "A1.1"), reason="r", requested_points=25)
    rejected = appeal_file(user=world.manager_a1, item=item(inspection, "A1.2"), reason="r", requested_points=15)
    appeal_decide(user=world.hq, appeal_id=rejected.pk, lock_version=0, uphold=False, decided_points=None, note="no")
    client.force_login(world.manager_a1)
    cells = _appeal_cells(client, inspection)
    assert "/appeal/" not in cells["A1.1"] and "已有待裁定的申诉" in cells["A1.1"]
    assert "/appeal/" not in cells["A1.2"] and "已裁定（已驳回），不能再次申诉" in cells["A1.2"]


def test_a_decided_appeal_cannot_be_filed_again_through_the_service(world, inspection):
    appeal = appeal_file(user=world.manager_a1, item=item(inspection, "A1.2"), reason="r", requested_points=15)
    appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=False, decided_points=None, note="no")
    with pytest.raises(ApplicationError, match="已裁定"):
        appeal_file(user=world.manager_a1, item=item(inspection, "A1.2"), reason="r2", requested_points=Decimal(15))


def test_a_full_score_item_cannot_be_appealed_through_the_service(world, inspection):
    with pytest.raises(ApplicationError, match="满分，无需申诉"):
        appeal_file(user=world.manager_a1, item=item(inspection, "A2.1"), reason="r", requested_points=Decimal(20))


def test_past_the_deadline_the_page_says_so_instead_of_offering_the_button(client, world, inspection, time_machine):
    time_machine.move_to(at("2026-03-16 09:00"))
    client.force_login(world.manager_a1)
    cells = _appeal_cells(client, inspection)
    assert not any("/appeal/" in cell for cell in cells.values())
    assert "申诉期限已过" in cells["A1.1"]


def test_opening_the_appeal_form_of_a_full_score_item_says_why_instead_of_offering_a_form(client, world, inspection):
    client.force_login(world.manager_a1)
    page = client.get(reverse("inspections:appeal_create", args=[item(inspection, "A2.1").pk])).content.decode()
    assert 'id="appeal-refusal">满分，无需申诉<' in page and 'name="reason"' not in page
    page = client.get(reverse("inspections:appeal_create", args=[item(inspection, "A1.1").pk])).content.decode()
    assert 'name="reason"' in page and "appeal-refusal" not in page
