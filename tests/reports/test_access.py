"""Who may open which report page: a role × URL matrix, and each role's home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["scoring:dashboard", "scoring:district_home", "scoring:ranking", "scoring:ranking_export"]
ALLOWED = {
    "scoring:dashboard": {"hq"},
    "scoring:district_home": {"district_a", "district_b"},
    "scoring:ranking": {"hq", "district_a", "district_b", "manager_a1", "manager_b1"},
    "scoring:ranking_export": {"hq", "district_a", "district_b", "manager_a1", "manager_b1"},
}
USERS = ["hq", "district_a", "district_b", "manager_a1", "manager_b1", "no_role"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user_attr", USERS)
def test_report_pages_admit_only_their_roles(client, world, gradings, page, user_attr):
    client.force_login(getattr(world, user_attr))
    response = client.get(reverse(page))
    assert response.status_code == (200 if user_attr in ALLOWED[page] else 403)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login_from_every_report_page(client, world, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("user_attr", "target"),
    [("hq", "/scoring/dashboard/"), ("district_a", "/scoring/district/"), ("manager_b1", "hall_b1")],
)
def test_each_role_lands_on_its_home_page(client, world, user_attr, target):
    client.force_login(getattr(world, user_attr))
    response = client.get(reverse("home"))
    expected = reverse("halls:detail", args=[world.hall_b1.pk]) if target == "hall_b1" else target
    assert response.status_code == 302 and response["Location"] == expected


def test_user_without_role_has_no_home(client, world):
    client.force_login(world.no_role)
    assert client.get(reverse("home")).status_code == 403


@pytest.mark.parametrize(
    ("user_attr", "hall_attr", "expected"),
    [("district_a", "hall_b1", 404), ("manager_a1", "hall_a2", 404), ("manager_b1", "hall_b1", 200)],
)
def test_archive_of_a_hall_outside_scope_answers_404_whatever_the_month(
    client, world, gradings, user_attr, hall_attr, expected
):
    client.force_login(getattr(world, user_attr))
    hall = getattr(world, hall_attr)
    response = client.get(reverse("halls:detail", args=[hall.pk]), {"month": "2026-06"})
    assert response.status_code == expected


def test_district_home_shows_only_his_districts_halls_and_rectifications(client, world, gradings):
    client.force_login(world.district_b)
    home = client.get(reverse("scoring:district_home")).context["home"]
    assert {row["hall"] for row in home.rows} == {world.hall_b1, world.hall_b2}
