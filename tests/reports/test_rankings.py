"""The rankings page and its XLSX export: months per role, cities in scope, sorting, filters, movers,
pagination, the user's own hall highlighted, and formula-looking cells escaped in the export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from halls.spreadsheets import cell_safe
from scoring.models import GradingRun
from tests.factories import CityFactory, DistrictFactory, HallFactory, city_manager, d, hall_manager
from tests.reports.factories import JULY, JUNE, HallMonthResultFactory

pytestmark = pytest.mark.django_db


def _ranking(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("scoring:ranking"), params)
    assert response.status_code == 200
    return response


def _codes(response) -> list[str]:
    return [row.hall.code for row in response.context["page_obj"]]


def _export_rows(client, user, **params) -> list[tuple]:
    client.force_login(user)
    response = client.get(reverse("scoring:ranking_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_hall_manager_sees_the_published_city_ranking_with_his_hall_highlighted(client, world, gradings):
    response = _ranking(client, world.manager_a1)
    assert response.context["criteria"].month == JUNE
    assert _codes(response) == [h.code for h in (world.hall_a1, world.hall_b1, world.hall_a2, world.hall_b2)]
    assert response.context["highlight_hall_ids"] == {world.hall_a1.pk}
    assert f'class="own-hall" data-hall="{world.hall_a1.code}"' in response.content.decode()


def test_hall_manager_cannot_open_the_draft_month(client, world, gradings):
    response = _ranking(client, world.manager_a1, month="2026-07")
    assert "month" in response.context["form"].errors
    assert response.context["criteria"].month == JUNE


def test_hq_defaults_to_the_draft_under_review(client, world, gradings):
    response = _ranking(client, world.hq)
    assert response.context["criteria"].month == JULY
    assert _codes(response) == [world.hall_a1.code]


def test_movement_against_last_month_and_the_movers(client, world, gradings):
    response = _ranking(client, world.hq, month="2026-06")
    movement = {row.hall.code: row.movement for row in response.context["page_obj"]}
    # May → June: b1 1 → 2, a1 2 → 1, b2 3 → 4, a2 4 → 3.
    assert movement == {world.hall_a1.code: 1, world.hall_a2.code: 1, world.hall_b1.code: -1, world.hall_b2.code: -1}
    movers = response.context["movers"]
    assert [r.hall.code for r in movers["up"]] == [world.hall_a1.code, world.hall_a2.code]
    assert [r.hall.code for r in movers["down"]] == [world.hall_b1.code, world.hall_b2.code]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("rank", ["a1", "b1", "a2", "b2"]),
        ("-rank", ["b2", "a2", "b1", "a1"]),
        ("composite", ["b2", "a2", "b1", "a1"]),
        ("-composite", ["a1", "b1", "a2", "b2"]),
        ("movement", ["a1", "a2", "b1", "b2"]),
    ],
)
def test_rankings_sort_by_the_chosen_column(client, world, gradings, sort, expected):
    response = _ranking(client, world.hq, month="2026-06", sort=sort)
    assert _codes(response) == [getattr(world, f"hall_{key}").code for key in expected]


def test_rankings_filter_by_district_and_kind(client, world, gradings):
    response = _ranking(client, world.hq, month="2026-06", district=world.hall_b1.district_id)
    assert _codes(response) == [world.hall_b1.code, world.hall_b2.code]
    response = _ranking(client, world.hq, month="2026-06", kind="partner")
    assert _codes(response) == []


def test_halls_of_another_city_are_not_ranked_for_this_citys_manager(client, world, gradings):
    other_city = DistrictFactory(city=CityFactory())
    stranger = HallFactory(district=other_city, name="外市营业厅")
    HallMonthResultFactory(run=gradings.june, hall=stranger, rank_city=1)
    assert stranger.code not in _codes(_ranking(client, world.manager_a1))
    assert stranger.code not in _codes(_ranking(client, world.district_a, month="2026-06"))
    response = _ranking(client, world.district_a, month="2026-06", city=other_city.city_id)
    assert "city" in response.context["form"].errors
    assert stranger.code in _codes(_ranking(client, world.hq, month="2026-06"))
    manager = hall_manager(stranger, username="stranger")
    assert _codes(_ranking(client, manager)) == [stranger.code]


def test_a_city_manager_ranks_every_hall_of_his_city_opens_them_and_sees_no_other_city(client, world, gradings):
    other_city = DistrictFactory(city=CityFactory())
    stranger = HallFactory(district=other_city, name="外市营业厅")
    HallMonthResultFactory(run=gradings.june, hall=stranger, rank_city=1)
    cm_c = city_manager(world.hall_a1.district.city, username="cm_c")
    response = _ranking(client, cm_c, month="2026-06")
    assert _codes(response) == [h.code for h in (world.hall_a1, world.hall_b1, world.hall_a2, world.hall_b2)]
    # Every hall of his city is his: highlighted and linked to its archive.
    assert response.context["highlight_hall_ids"] == {
        h.pk for h in (world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2)
    }
    assert reverse("halls:detail", args=[world.hall_b2.pk]) in response.content.decode()
    # He also sees the draft under review, as district managers do.
    assert _ranking(client, cm_c).context["criteria"].month == JULY
    response = _ranking(client, cm_c, month="2026-06", city=other_city.city_id)
    assert "city" in response.context["form"].errors
    cm_x = city_manager(other_city.city, username="cm_x")
    assert _codes(_ranking(client, cm_x, month="2026-06")) == [stranger.code]


def test_rankings_are_paginated(client, world, gradings):
    for rank in range(5, 66):
        HallMonthResultFactory(run=gradings.june, hall=HallFactory(district=world.hall_a1.district), rank_city=rank)
    response = _ranking(client, world.hq, month="2026-06")
    assert response.context["page_obj"].paginator.count == 65
    assert len(response.context["page_obj"]) == 50
    page_two = _ranking(client, world.hq, month="2026-06", page=2)
    assert [row.rank_city for row in page_two.context["page_obj"]] == list(range(51, 66))


def test_export_holds_what_is_on_screen_in_the_same_order(client, world, gradings):
    rows = _export_rows(client, world.hq, month="2026-06", sort="-composite", district=world.hall_a1.district_id)
    assert rows[0][:5] == ("地市排名", "区县排名", "同类排名", "营业厅编码", "营业厅")
    assert [(r[3], r[8], r[11]) for r in rows[1:]] == [(world.hall_a1.code, 92.5, 1), (world.hall_a2.code, 75, 1)]
    assert rows[0][13:] == ("状态评定分组", "组内排名", "组内营业厅数")
    assert [r[13:15] for r in rows[1:]] == [("按地市", 1), ("按地市", 3)]  # by city: the place is the city rank


def test_export_for_a_hall_manager_has_only_published_months_of_his_city(client, world, gradings):
    stranger = HallFactory(district=DistrictFactory(city=CityFactory()))
    HallMonthResultFactory(run=gradings.june, hall=stranger, rank_city=1)
    rows = _export_rows(client, world.manager_a1, month="2026-07")
    codes = [r[3] for r in rows[1:]]
    assert codes == [h.code for h in (world.hall_a1, world.hall_b1, world.hall_a2, world.hall_b2)]


def test_export_escapes_cells_that_look_like_formulas(client, world, gradings):
    world.hall_b2.name = '=HYPERLINK("http://evil.example","点我")'
    world.hall_b2.save()
    rows = _export_rows(client, world.hq, month="2026-06")
    names = [r[4] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","点我")' in names
    assert rows[1][8] == 92.5  # numbers stay numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("正常", "正常"),
     (d("-5.50"), -5.5), (3, 3), (None, "")],
)  # fmt: skip
def test_cell_safe_escapes_formula_prefixes_and_keeps_numbers(value, expected):
    assert cell_safe(value) == expected


def test_rankings_of_a_month_without_a_run_are_empty_and_have_no_movers(world):
    import datetime as dt

    from halls.selectors import scope_for
    from scoring.selectors.reports import RankingFilter, ranking_movers, ranking_results

    results = ranking_results(
        scope=scope_for(world.hq), runs={}, criteria=RankingFilter(month=dt.date(2026, 5, 1), sort="movement")
    )
    assert list(results) == []
    assert ranking_movers(results=results) == {"up": [], "down": []}


def test_a_finished_runs_ranking_is_read_once_and_then_served_from_the_cache(client, world, gradings):
    first = _ranking(client, world.hq, month="2026-06")
    # Written behind the services' back: a published run's results never change, so the page keeps them.
    world.hall_a1.results.filter(run=gradings.june).update(composite=d("10.00"))
    client.force_login(world.hq)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("scoring:ranking"), {"month": "2026-06"})
    assert not [q for q in queries.captured_queries if "scoring_hallmonthresult" in q["sql"]]
    # Nor the filter's cities and districts: the page was found by its query before any form was built.
    assert not [q for q in queries.captured_queries if "halls_districtcompany" in q["sql"]]
    html = again.content.decode()
    codes = _codes(first)
    assert sorted(codes, key=html.index) == codes  # the same rows in the same order
    assert "92.50" in html and "10.00" not in html


def test_a_draft_regraded_in_place_shows_its_new_results_at_once(client, world, gradings):
    first = _ranking(client, world.hq, month="2026-07")
    assert first.context["page_obj"][len(_codes(first)) - 1].composite == d("60.00")  # a1 last in July
    world.hall_a1.results.filter(run=gradings.july_draft).update(composite=d("99.00"), rank_city=1)
    GradingRun.objects.filter(pk=gradings.july_draft.pk).update(finished_at=timezone.now())
    again = _ranking(client, world.hq, month="2026-07")
    assert {row.hall.code: row.composite for row in again.context["page_obj"]}[world.hall_a1.code] == d("99.00")


def test_a_ranking_that_spans_cities_names_each_hall_s_city(client, world, gradings):
    other = DistrictFactory(city=CityFactory(name="乙市"))
    HallMonthResultFactory(run=gradings.june, hall=HallFactory(district=other, name="乙市一厅"), rank_city=1)
    response = _ranking(client, world.hq, month="2026-06")
    assert response.context["spans_cities"]
    html = response.content.decode()
    assert (
        "<th>地市</th>" in html and f"<td>{world.hall_a1.district.city.name}</td>" in html and "<td>乙市</td>" in html
    )
    # Narrowed to one city, the column would say the same thing on every row: it is left out.
    one_city = _ranking(client, world.hq, month="2026-06", city=world.hall_a1.district.city_id)
    assert not one_city.context["spans_cities"] and "<th>地市</th>" not in one_city.content.decode()


def test_each_row_shows_the_hall_s_city_rank_over_the_last_six_months(client, world, gradings):
    response = _ranking(client, world.hq, month="2026-06")
    trends = {row.hall.code: row.rank_trend for row in response.context["page_obj"]}
    # January to April have no run; May and June as built by gradings_build.
    assert trends[world.hall_a1.code] == [None, None, None, None, 2, 1]
    assert trends[world.hall_b2.code] == [None, None, None, None, 3, 4]
    assert "— › — › — › — › 2 › 1" in response.content.decode()
    # The same from the cache, on a second reading.
    again = _ranking(client, world.hq, month="2026-06")
    assert "— › — › — › — › 2 › 1" in again.content.decode()


def test_the_filter_offers_the_districts_of_the_cities_each_scope_touches(world):
    from halls.selectors import scope_for
    from scoring.selectors.reports import ranking_choices

    other_city = CityFactory()
    other_district = DistrictFactory(city=other_city)  # a city with no hall yet
    city = world.hall_a1.district.city
    own = {world.hall_a1.district_id, world.hall_b1.district_id}

    hq = ranking_choices(scope=scope_for(world.hq))
    assert {pk for pk, _name in hq.cities} >= {city.pk, other_city.pk}
    assert {pk for pk, _name in hq.districts} >= own | {other_district.pk}
    for user in (world.district_a, world.manager_a1):  # a district's manager, a hall's: their city's districts
        choices = ranking_choices(scope=scope_for(user))
        assert [pk for pk, _name in choices.cities] == [city.pk]
        assert {pk for pk, _name in choices.districts} == own
