"""Each report page renders in a fixed number of queries: the same with 5 halls as with 50, and with
twelve months of history as with one."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from halls.months import month_add
from scoring.models import HallMonthResult
from tests.factories import DistrictFactory, HallFactory, city_manager, d, district_manager, hall_manager, hq_user
from tests.reports.factories import grading_run, inspection_submit, rectification, repair_case

pytestmark = pytest.mark.django_db

LAST = dt.date(2026, 6, 1)
MONTHS = [month_add(LAST, -offset) for offset in range(12)]
# Constant in the number of halls and months; the hall page also carries the inspections section (issue 3),
# and its city averages are a query of their own so that a published month's can be cached (cold cache here).
# A published month's city averages are read from those stored at publication; these runs were not published
# through the service, so none are stored and the city's items are summed as well: the worst case.
MAX_QUERIES = 22
# The rankings read the filter's cities and districts in one query (a COUNT and a cursor for each before),
# and the page's six-month rank trends in one more. A cold page also reads the organisation's version (one row):
# it is part of the cached page's key, which lets a warm page skip the filter form and its lists altogether.
RANKING_MAX_QUERIES = 13
# The hall page also shows customer satisfaction (the city's dimension scores and index over twelve months, two
# queries, cached per city under two one-row stamps: the newest response and hall change) and activity
# participation (the hall's activities, the city's points and open halls: two).
ARCHIVE_MAX_QUERIES = MAX_QUERIES + 6
# The district (and city) home also lists today's work from the inspection plan, the early warning's
# evidence so far and the satisfaction warnings: each a fixed number of queries, whatever the halls.
HOME_MAX_QUERIES = MAX_QUERIES + 4


def _add_halls(districts, runs, count: int, *, inspector) -> list:
    halls = [HallFactory(district=districts[i % 2]) for i in range(count)]
    HallMonthResult.objects.bulk_create(
        HallMonthResult(
            run=run,
            hall=hall,
            month=run.month,
            composite=d(60 + i % 40),
            grade="B",
            rank_city=i + 1,
            rank_district=i + 1,
            rank_kind=i + 1,
            city_size=count,
            mystery_score=d(80),
            mystery_weight=d(100),
        )  # fmt: skip
        for run in runs
        for i, hall in enumerate(halls)
    )
    for hall in halls:
        for month in MONTHS[:3]:
            inspection = inspection_submit(hall=hall, month=month, points={"S1.1": 12}, inspector=inspector)
        rectification(inspection=inspection, code="S1.1", due=dt.date(2026, 6, 20))
        repair_case(hall=hall)
    return halls


def _count(client, user, url) -> int:
    """Queries of one request with a cold cache (what the first visitor after a grading pays)."""
    client.force_login(user)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@time_machine.travel(dt.datetime(2026, 7, 10, 10, 0, tzinfo=dt.UTC))
def test_report_pages_cost_the_same_number_of_queries_for_5_and_50_halls(client, django_assert_max_num_queries):
    district_one = DistrictFactory()
    districts = [district_one, DistrictFactory(city=district_one.city)]
    runs = [grading_run(month) for month in MONTHS]
    hq = hq_user(username="hq")
    dm = district_manager(*districts, username="dm")
    first = _add_halls(districts, runs, 5, inspector=dm)
    hm = hall_manager(first[0], username="hm")
    cm = city_manager(district_one.city, username="cm")
    pages = [
        (hq, reverse("scoring:dashboard")),
        (hq, reverse("scoring:ranking")),
        (hq, reverse("scoring:ranking_export")),
        (dm, reverse("scoring:district_home")),
        (dm, reverse("scoring:ranking")),
        (cm, reverse("scoring:district_home")),
        (cm, reverse("scoring:ranking")),
        (hm, reverse("halls:detail", args=[first[0].pk])),
        (hm, reverse("scoring:ranking")),
    ]
    small = [_count(client, user, url) for user, url in pages]
    _add_halls(districts, runs, 45, inspector=dm)
    large = [_count(client, user, url) for user, url in pages]
    assert small == large, list(zip([url for _u, url in pages], small, large, strict=True))
    for user, url in pages:
        client.force_login(user)
        cache.clear()
        budget = {
            reverse("scoring:ranking"): RANKING_MAX_QUERIES,
            reverse("scoring:district_home"): HOME_MAX_QUERIES,
        }.get(url, MAX_QUERIES)
        if url.startswith("/halls/"):
            budget = ARCHIVE_MAX_QUERIES
        with django_assert_max_num_queries(budget):
            client.get(url)


@time_machine.travel(dt.datetime(2026, 7, 10, 10, 0, tzinfo=dt.UTC))
def test_archive_and_rankings_cost_the_same_with_one_month_of_history_as_with_twelve(client):
    district = DistrictFactory()
    districts = [district, DistrictFactory(city=district.city)]
    hq = hq_user(username="hq")
    inspector = district_manager(*districts, username="dm")
    halls = _add_halls(districts, [grading_run(LAST)], 5, inspector=inspector)
    hm = hall_manager(halls[0], username="hm")
    pages = [
        (hm, reverse("halls:detail", args=[halls[0].pk])),
        (hq, reverse("halls:detail", args=[halls[0].pk])),
        (hq, reverse("scoring:ranking")),
        (hq, reverse("scoring:dashboard")),
    ]
    one_month = [_count(client, user, url) for user, url in pages]
    older = [grading_run(month) for month in MONTHS[1:]]
    HallMonthResult.objects.bulk_create(
        HallMonthResult(run=run, hall=hall, month=run.month, composite=d(80), grade="B", rank_city=i + 1)
        for run in older
        for i, hall in enumerate(halls)
    )
    twelve_months = [_count(client, user, url) for user, url in pages]
    assert one_month == twelve_months
