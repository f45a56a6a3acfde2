"""Who sees which hall: on the hall list and on the hall detail page, for every role."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _listed_codes(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("halls:list"))
    assert response.status_code == 200
    return {hall.code for hall in response.context["object_list"]}


def test_hq_lists_every_hall(client, world):
    assert _listed_codes(client, world.hq) == {
        world.hall_a1.code,
        world.hall_a2.code,
        world.hall_b1.code,
        world.hall_b2.code,
    }


def test_district_manager_lists_only_his_district(client, world):
    assert _listed_codes(client, world.district_a) == {world.hall_a1.code, world.hall_a2.code}
    assert _listed_codes(client, world.district_b) == {world.hall_b1.code, world.hall_b2.code}


def test_hall_manager_lists_only_his_hall(client, world):
    assert _listed_codes(client, world.manager_a1) == {world.hall_a1.code}


def test_user_without_role_is_refused_the_hall_list(client, world):
    client.force_login(world.no_role)
    assert client.get(reverse("halls:list")).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("halls:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("user_attr", "hall_attr", "expected"),
    [
        ("hq", "hall_b2", 200),
        ("district_a", "hall_a2", 200),
        ("district_a", "hall_b1", 404),
        ("district_b", "hall_a1", 404),
        ("manager_a1", "hall_a1", 200),
        ("manager_a1", "hall_a2", 404),
        ("manager_a1", "hall_b1", 404),
        ("manager_b1", "hall_a1", 404),
        ("no_role", "hall_a1", 403),
    ],
)
def test_hall_detail_answers_404_outside_scope(client, world, user_attr, hall_attr, expected):
    client.force_login(getattr(world, user_attr))
    hall = getattr(world, hall_attr)
    response = client.get(reverse("halls:detail", args=[hall.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert hall.name in response.content.decode()


def test_hall_manager_lands_on_his_own_hall(client, world):
    client.force_login(world.manager_b1)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("halls:detail", args=[world.hall_b1.pk])


def test_hall_list_filters_by_district_and_search(client, world):
    client.force_login(world.hq)
    response = client.get(reverse("halls:list"), {"district": world.hall_b1.district_id})
    assert {h.code for h in response.context["object_list"]} == {world.hall_b1.code, world.hall_b2.code}
    response = client.get(reverse("halls:list"), {"q": world.hall_a2.code})
    assert [h.code for h in response.context["object_list"]] == [world.hall_a2.code]


def test_district_filter_offers_only_districts_in_scope(client, world):
    client.force_login(world.district_a)
    response = client.get(reverse("halls:list"))
    offered = set(response.context["filter"].filters["district"].queryset)
    assert offered == {world.hall_a1.district}
    # Asking for another district's halls by id is an invalid choice: his own halls stay listed, no other.
    response = client.get(reverse("halls:list"), {"district": world.hall_b1.district_id})
    assert "district" in response.context["filter"].form.errors
    assert {h.code for h in response.context["object_list"]} == {world.hall_a1.code, world.hall_a2.code}


def test_hall_list_is_paginated(client, world):
    from tests.factories import HallFactory

    HallFactory.create_batch(30, district=world.hall_a1.district)
    client.force_login(world.hq)
    response = client.get(reverse("halls:list"))
    assert response.context["paginator"].count == 34
    assert len(response.context["object_list"]) == 25
    assert len(client.get(reverse("halls:list"), {"page": 2}).context["object_list"]) == 9
