"""The city company's customer service (地市客服) acts on its city's halls as a district manager on his
district's: inspection entry, rectification verification, coaching; lists scoped to its city."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inspections.models import CoachingVisit, Inspection, InspectionState, Rectification, RectificationState
from inspections.services.rectification import rectification_fix
from tests.factories import CityFactory, DistrictFactory, HallFactory, city_manager, hall_manager
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import codes, inspection_enter

pytestmark = pytest.mark.usefixtures("march", "policy")


@pytest.fixture
def cities(world, small_scheme):
    """City C (districts A and B, its city manager cm_c) and city X (hall x1, cm_x); a rectification
    lost in hall b1 (district B) and one in hall x1, both answered by their hall."""
    x1 = HallFactory(district=DistrictFactory(city=CityFactory()))
    cm_c = city_manager(world.hall_a1.district.city, username="cm_c")
    cm_x = city_manager(x1.district.city, username="cm_x")
    in_b1 = inspection_enter(
        user=world.district_b, hall=world.hall_b1, scheme=small_scheme, values={**FULL_MARKS, "A1.1": 20}
    )
    in_x1 = inspection_enter(user=cm_x, hall=x1, scheme=small_scheme, values={**FULL_MARKS, "A1.1": 20})
    rect_b1 = Rectification.objects.get(inspection=in_b1)
    rect_x1 = Rectification.objects.get(inspection=in_x1)
    rectification_fix(rectification_id=rect_b1.pk, user=world.manager_b1, note="done")
    return {"x1": x1, "cm_c": cm_c, "cm_x": cm_x, "rect_b1": rect_b1, "rect_x1": rect_x1, "in_x1": in_x1}


def test_a_city_manager_starts_fills_and_submits_an_inspection_in_any_district_of_his_city(
    client, world, small_scheme, cities
):
    client.force_login(cities["cm_c"])
    response = client.post(
        reverse("inspections:start", args=[world.hall_b2.pk]), {"kind": "remote", "inspected_at": "2026-03-10T09:30"}
    )
    inspection = Inspection.objects.get(hall=world.hall_b2)
    assert response["Location"] == reverse("inspections:edit", args=[inspection.pk])
    by_code = codes(small_scheme)
    data = {"lock_version": 0, "submit": "1"}
    data.update({f"points_{by_code[code].pk}": str(points) for code, points in FULL_MARKS.items()})
    assert client.post(reverse("inspections:edit", args=[inspection.pk]), data).status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.SUBMITTED and inspection.inspector == cities["cm_c"]


def test_a_city_manager_cannot_start_an_inspection_in_another_city(client, world, cities):
    client.force_login(cities["cm_c"])
    response = client.post(
        reverse("inspections:start", args=[cities["x1"].pk]), {"kind": "remote", "inspected_at": "2026-03-10T09:30"}
    )
    assert response.status_code == 404
    assert not Inspection.objects.filter(hall=cities["x1"], inspector=cities["cm_c"]).exists()


def test_a_city_manager_verifies_a_rectification_of_his_city_and_not_of_another(client, world, cities):
    client.force_login(cities["cm_x"])
    url = reverse("inspections:rectification_detail", args=[cities["rect_b1"].pk])
    assert client.post(url, {"decision": "verify", "review_note": "好"}).status_code == 404
    client.force_login(cities["cm_c"])
    page = client.get(url)
    assert page.context["review_form"] is not None
    assert client.post(url, {"decision": "verify", "review_note": "好"}).status_code == 302
    verified = Rectification.objects.get(pk=cities["rect_b1"].pk)
    assert verified.state == RectificationState.VERIFIED and verified.verified_by == cities["cm_c"]


def test_the_lists_of_a_city_manager_hold_his_citys_halls_only(client, world, cities):
    client.force_login(cities["cm_c"])
    rectifications = client.get(reverse("inspections:rectification_list")).context["rectifications"]
    assert {r.hall_id for r in rectifications} == {world.hall_b1.pk}
    inspections = client.get(reverse("inspections:list")).context["object_list"]
    assert cities["in_x1"] not in inspections and inspections


def test_a_city_manager_records_coaching_in_his_city(client, world, cities):
    client.force_login(cities["cm_c"])
    url = reverse("inspections:coaching_list", args=[world.hall_a2.pk])
    assert client.get(url).context["can_record"] is True
    response = client.post(url, {"kind": "report", "visit_date": "2026-03-09", "content": "地市走访：排队引导"})
    assert response.status_code == 302
    assert CoachingVisit.objects.get().author == cities["cm_c"]
    other = reverse("inspections:coaching_list", args=[cities["x1"].pk])
    assert client.post(other, {"kind": "plan", "visit_date": "2026-03-09", "content": "x"}).status_code == 404
    assert CoachingVisit.objects.count() == 1


def test_the_city_workbench_lists_what_waits_for_his_verification_in_his_city_only(client, world, cities):
    x1_manager = hall_manager(cities["x1"], username="hm_x1")
    rectification_fix(rectification_id=cities["rect_x1"].pk, user=x1_manager, note="done")
    client.force_login(cities["cm_c"])
    home = client.get(reverse("scoring:district_home")).context["home"]
    assert [r.pk for r in home.to_verify] == [cities["rect_b1"].pk]
    client.force_login(cities["cm_x"])
    home = client.get(reverse("scoring:district_home")).context["home"]
    assert [r.pk for r in home.to_verify] == [cities["rect_x1"].pk]


def test_the_hall_page_and_a_draft_offer_the_city_manager_the_entry_buttons(client, world, cities):
    from inspections.services.entry import inspection_start
    from tests.inspections.factories import at

    draft = inspection_start(
        user=world.district_b, hall=world.hall_b2, kind="remote", inspected_at=at("2026-03-10 9:00")
    )
    client.force_login(cities["cm_c"])
    hall_page = client.get(reverse("halls:detail", args=[world.hall_b2.pk])).content.decode()
    assert reverse("inspections:start", args=[world.hall_b2.pk]) in hall_page
    draft_page = client.get(reverse("inspections:detail", args=[draft.pk])).content.decode()
    assert reverse("inspections:edit", args=[draft.pk]) in draft_page
