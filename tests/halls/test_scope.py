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


# --- The city company's customer service (地市客服) ------------------------------------------------


@pytest.fixture
def city_world(world):
    """The world's city C (districts A and B) with its city manager, and another city X with one hall
    and its own city manager.

    city C (cm_c)                        city X (cm_x)
    ├── district A: a1, a2               └── district X: x1
    └── district B: b1, b2
    """
    from tests.factories import CityFactory, DistrictFactory, HallFactory, city_manager

    other_city = CityFactory()
    world.hall_x1 = HallFactory(district=DistrictFactory(city=other_city))
    world.city_c = city_manager(world.hall_a1.district.city, username="cm_c")
    world.city_x = city_manager(other_city, username="cm_x")
    return world


def test_city_manager_lists_every_hall_of_his_city_and_no_other(client, city_world):
    w = city_world
    assert _listed_codes(client, w.city_c) == {w.hall_a1.code, w.hall_a2.code, w.hall_b1.code, w.hall_b2.code}
    assert _listed_codes(client, w.city_x) == {w.hall_x1.code}


def test_a_new_district_of_his_city_is_in_his_scope_without_touching_his_account(client, city_world):
    from tests.factories import DistrictFactory, HallFactory

    new_hall = HallFactory(district=DistrictFactory(city=city_world.hall_a1.district.city))
    assert new_hall.code in _listed_codes(client, city_world.city_c)
    assert new_hall.code not in _listed_codes(client, city_world.city_x)


@pytest.mark.parametrize(
    ("user_attr", "hall_attr", "expected"),
    [
        ("city_c", "hall_a1", 200),
        ("city_c", "hall_b2", 200),
        ("city_c", "hall_x1", 404),
        ("city_x", "hall_x1", 200),
        ("city_x", "hall_a1", 404),
        ("district_a", "hall_x1", 404),
    ],
)
def test_city_manager_opens_his_citys_hall_archives_and_gets_404_for_others(
    client, city_world, user_attr, hall_attr, expected
):
    client.force_login(getattr(city_world, user_attr))
    response = client.get(reverse("halls:detail", args=[getattr(city_world, hall_attr).pk]))
    assert response.status_code == expected


def test_city_manager_of_two_cities_sees_both(client, city_world):
    from halls.models import CityCompany

    profile = city_world.city_x.profile
    profile.cities.add(CityCompany.objects.get(pk=city_world.hall_a1.district.city_id))
    assert len(_listed_codes(client, city_world.city_x)) == 5


def test_the_scope_of_a_city_manager_holds_the_districts_of_his_cities(city_world):
    from halls.selectors import scope_for

    scope = scope_for(city_world.city_c)
    assert scope.is_city_manager and scope.manages_districts and not scope.is_district_manager
    assert scope.city_ids == {city_world.hall_a1.district.city_id}
    assert scope.district_ids == {city_world.hall_a1.district_id, city_world.hall_b1.district_id}
    assert scope.includes(city_world.hall_b2) and not scope.includes(city_world.hall_x1)


def test_a_city_manager_without_a_city_sees_no_hall(client, world):
    from tests.factories import city_manager

    assert _listed_codes(client, city_manager(username="cm_none")) == set()


def test_city_filter_offers_only_his_city(client, city_world):
    client.force_login(city_world.city_c)
    response = client.get(reverse("halls:list"))
    assert set(response.context["filter"].filters["city"].queryset) == {city_world.hall_a1.district.city}
    response = client.get(reverse("halls:list"), {"city": city_world.hall_x1.district.city_id})
    assert "city" in response.context["filter"].form.errors


@pytest.mark.parametrize(
    ("user_attr", "home"),
    [("city_c", "scoring:district_home"), ("district_a", "scoring:district_home"), ("hq", "scoring:dashboard")],
)
def test_each_manager_lands_on_his_home(client, city_world, user_attr, home):
    client.force_login(getattr(city_world, user_attr))
    assert client.get(reverse("home"))["Location"] == reverse(home)


def test_the_city_workbench_lists_every_hall_of_his_city_under_its_own_title(client, city_world):
    client.force_login(city_world.city_c)
    response = client.get(reverse("scoring:district_home"))
    assert response.status_code == 200
    assert {row["hall"].code for row in response.context["home"].rows} == {
        city_world.hall_a1.code,
        city_world.hall_a2.code,
        city_world.hall_b1.code,
        city_world.hall_b2.code,
    }
    html = response.content.decode()
    assert "地市工作台" in html and "区县工作台" not in html
    # Each hall row names its district, since a city spans several.
    assert city_world.hall_b2.district.name in html
