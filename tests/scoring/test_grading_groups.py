"""The policy's status grouping: the top and bottom shares (and so the statuses) decided among all of a
city's halls (按地市) or among its halls of the same kind (按地市+厅类型), on a hand-computed city."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse

from halls.models import HallKind
from scoring.models import GradingPolicy, HallMonthResult, HallStatus, PolicyState, RankingGroup
from scoring.services import grade_month, grade_month_distributed, month_publish
from tests.factories import CityFactory, DistrictFactory, HallFactory, hq_user
from tests.scoring.conftest import FEB, JAN
from tests.scoring.factories import response_add

pytestmark = pytest.mark.django_db

N, E, M, S = HallStatus.NORMAL, HallStatus.EXEMPT, HallStatus.MONITORED, HallStatus.SUPERVISED

# Satisfaction index per hall, the same in January and February.
SATISFACTION = {"s1": 96, "s2": 92, "s3": 88, "s4": 84, "s5": 80, "s6": 76, "p1": 90, "p2": 78, "p3": 72, "p4": 64}


@dataclass
class City:
    halls: dict[str, object]
    policy: GradingPolicy
    hq: object

    def name(self, hall_id: int) -> str:
        return {hall.pk: name for name, hall in self.halls.items()}[hall_id]


@pytest.fixture
def city(db) -> City:
    """One city, one district, ten halls: six self-run (s1 … s6) and four partner halls (p1 … p4).

    Evidence: one survey response a month per hall, nothing else, the same in January and February.
    With satisfaction only, its weight 30 of the 40 with data is 75 %, complaints (none: 100) 25 %:
    composite = 0.75 × satisfaction + 25.

        s1 96 → 97.00   s2 92 → 94.00   s3 88 → 91.00   s4 84 → 88.00   s5 80 → 85.00   s6 76 → 82.00
        p1 90 → 92.50   p2 78 → 83.50   p3 72 → 79.00   p4 64 → 73.00

    Policy: the default top and bottom share of 10 %, two consecutive months, improvement threshold 3.
    """
    district = DistrictFactory(city=CityFactory())
    halls = {}
    for name in SATISFACTION:
        kind = HallKind.SELF_RUN if name.startswith("s") else HallKind.PARTNER
        halls[name] = HallFactory(code=name, district=district, kind=kind, opened_on=dt.date(2020, 1, 1))
    for month in (JAN, FEB):
        for name, satisfaction in SATISFACTION.items():
            response_add(halls[name], month, overall=Decimal(satisfaction) / 10)
    policy = GradingPolicy.objects.create(version=1, effective_from=dt.date(2025, 1, 1), state=PolicyState.ACTIVE)
    return City(halls=halls, policy=policy, hq=hq_user(username="hq_groups"))


def _grade_and_publish(city: City, group: str) -> dict[dt.date, dict[str, HallMonthResult]]:
    GradingPolicy.objects.filter(pk=city.policy.pk).update(ranking_group=group)
    results = {}
    for month in (JAN, FEB):
        run = grade_month(month=month, user=city.hq)
        month_publish(month=month, user=city.hq)
        results[month] = {city.name(r.hall_id): r for r in HallMonthResult.objects.filter(run=run)}
    return results


def _statuses(results: dict[str, HallMonthResult]) -> dict[str, str]:
    return {name: r.next_status for name, r in results.items() if r.next_status != N}


def test_the_hand_computed_composites_and_ranks_do_not_depend_on_the_grouping(city):
    results = _grade_and_publish(city, RankingGroup.CITY_KIND)[JAN]
    # City order: s1 97.00, s2 94.00, p1 92.50, s3 91.00, s4 88.00, s5 85.00, p2 83.50, s6 82.00, p3 79.00,
    # p4 73.00; self-run order s1 … s6, partner order p1 … p4.
    assert {name: (str(r.composite), r.rank_city, r.rank_kind) for name, r in results.items()} == {
        "s1": ("97.00", 1, 1),
        "s2": ("94.00", 2, 2),
        "s3": ("91.00", 4, 3),
        "s4": ("88.00", 5, 4),
        "s5": ("85.00", 6, 5),
        "s6": ("82.00", 8, 6),
        "p1": ("92.50", 3, 1),
        "p2": ("83.50", 7, 2),
        "p3": ("79.00", 9, 3),
        "p4": ("73.00", 10, 4),
    }


def test_by_city_the_top_and_bottom_share_are_taken_among_all_ten_halls(city):
    results = _grade_and_publish(city, RankingGroup.CITY)
    # 10 % of 10 halls = 1 place at each end: top s1 (97.00), bottom p4 (73.00).
    assert {n for n, r in results[JAN].items() if r.in_top_share} == {"s1"}
    assert {n for n, r in results[JAN].items() if r.in_bottom_share} == {"p4"}
    # January has no month before it: the bottom hall is monitored, the top one not yet exempt.
    assert _statuses(results[JAN]) == {"p4": M}
    # February: s1 top two months running → exempt; p4 bottom twice, improved by 73.00 − 73.00 = 0 < 3 →
    # supervised. s6 (8th of 10) and p1 (3rd of 10) are in neither share: normal.
    assert _statuses(results[FEB]) == {"s1": E, "p4": S}
    s6 = results[FEB]["s6"]
    assert (s6.ranking_group, s6.group_rank, s6.group_size) == (RankingGroup.CITY, 8, 10)


def test_by_city_and_kind_self_run_and_partner_halls_are_judged_separately(city):
    results = _grade_and_publish(city, RankingGroup.CITY_KIND)
    # Self-run: 10 % of 6 = 0.6 → at least 1 place: top s1 (97.00), bottom s6 (82.00).
    # Partner: 10 % of 4 = 0.4 → 1 place: top p1 (92.50), bottom p4 (73.00).
    assert {n for n, r in results[JAN].items() if r.in_top_share} == {"s1", "p1"}
    assert {n for n, r in results[JAN].items() if r.in_bottom_share} == {"s6", "p4"}
    assert _statuses(results[JAN]) == {"s6": M, "p4": M}
    # February: s1 and p1 top two months running → exempt; s6 and p4 bottom twice, not improved (0 < 3) →
    # supervised. By city, p1 and s6 would have stayed normal.
    assert _statuses(results[FEB]) == {"s1": E, "p1": E, "s6": S, "p4": S}
    assert results[FEB]["s6"].status == M and results[FEB]["p1"].status == N


def test_each_result_records_the_grouping_and_the_size_of_the_group_that_decided_it(city):
    results = _grade_and_publish(city, RankingGroup.CITY_KIND)[FEB]
    # s6: 6th of the 6 self-run halls; p1: 1st of the 4 partner halls; both 8th and 3rd of the 10 in the city.
    s6 = results["s6"]
    assert (s6.ranking_group, s6.group_rank, s6.group_size, s6.city_size) == (RankingGroup.CITY_KIND, 6, 6, 10)
    assert (results["p1"].group_rank, results["p1"].group_size) == (1, 4)
    assert {r.group_size for r in results.values()} == {6, 4}


def test_grading_across_workers_gives_the_same_rows_by_city_and_kind(city):
    GradingPolicy.objects.filter(pk=city.policy.pk).update(ranking_group=RankingGroup.CITY_KIND)
    fields = [f.name for f in HallMonthResult._meta.fields if f.name not in ("id", "run")]
    for month in (JAN, FEB):
        single = list(
            HallMonthResult.objects.filter(run=grade_month(month=month)).order_by("hall_id").values_list(*fields)
        )
        run = grade_month_distributed(month=month)
        assert list(HallMonthResult.objects.filter(run=run).order_by("hall_id").values_list(*fields)) == single
        month_publish(month=month)
    assert HallMonthResult.objects.get(run=run, hall=city.halls["s6"]).next_status == S


def test_the_archive_shows_the_place_in_the_group_that_decided_the_statuses(client, city):
    _grade_and_publish(city, RankingGroup.CITY_KIND)
    client.force_login(city.hq)
    page = client.get(reverse("halls:detail", args=[city.halls["s6"].pk])).content.decode()
    # February: s6 is 8th of 10 in the city, 6th of the 6 self-run halls, which decided its statuses.
    assert "状态评定分组：按地市+厅类型，组内第 6 / 6 名" in page
    assert 'id="archive-rank-city">8</span><span class="text-muted">/10</span>' in page
    ranking = client.get(reverse("scoring:ranking")).content.decode()
    assert 'id="ranking-group-note"' in ranking


def test_star_nominees_in_december_are_the_top_of_each_group_by_city_and_kind():
    """No history, so the year's average is December's composite. One city, 10 % top share:
    by city 1 place of 4 (the self-run hall at 95); by city and kind 1 place of each kind's 2 halls."""
    from scoring.services.compute import HISTORY_COLUMNS, PolicyFigures, rank_and_status

    scores = pd.DataFrame(
        {
            "hall_id": [1, 2, 3, 4],
            "city_id": [7, 7, 7, 7],
            "district_id": [1, 1, 1, 1],
            "kind": [HallKind.SELF_RUN, HallKind.SELF_RUN, HallKind.PARTNER, HallKind.PARTNER],
            "composite": [95.0, 90.0, 85.0, 80.0],
            "graded": [True, True, True, True],
        }
    )
    figures = {field.name: 0 for field in dataclasses.fields(PolicyFigures)} | {
        "top_share": 10,
        "bottom_share": 10,
        "consecutive_months": 2,
        "ranking_group": RankingGroup.CITY,
    }
    history = pd.DataFrame(columns=HISTORY_COLUMNS)
    december = dt.date(2026, 12, 1)
    by_city = rank_and_status(scores, history, PolicyFigures(**figures), month=december)
    by_kind = rank_and_status(
        scores, history, PolicyFigures(**figures | {"ranking_group": RankingGroup.CITY_KIND}), month=december
    )
    assert by_city["star_nominee"].tolist() == [True, False, False, False]
    assert by_kind["star_nominee"].tolist() == [True, False, True, False]
