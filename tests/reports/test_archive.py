"""The hall archive (服务档案) on the hall detail page: figures, months each role may see, the composite
explained line by line, level-1 dimensions against the city, the weakest indicators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from halls.selectors import scope_for
from inspections.models import InspectionKind, RectificationState
from scoring.models import CityDimensionFigure
from scoring.selectors.reports import hall_archive, visible_runs
from scoring.services import month_publish
from tests.factories import HallFactory, d
from tests.reports.factories import JULY, JUNE, inspection_submit, rectification, repair_case

pytestmark = pytest.mark.django_db


def _archive(client, user, hall, **params):
    client.force_login(user)
    response = client.get(reverse("halls:detail", args=[hall.pk]), params)
    assert response.status_code == 200
    return response


def test_hall_manager_sees_his_latest_published_month_not_the_draft(client, world, gradings):
    response = _archive(client, world.manager_a1, world.hall_a1)
    archive = response.context["archive"]
    assert archive.month == JUNE
    assert archive.result.composite == d("92.50")
    assert JULY not in archive.months
    html = response.content.decode()
    assert 'id="archive-composite">92.50<' in html
    assert 'id="archive-grade">A<' in html
    assert "免检厅" in html and "免于明查和报送" in html
    assert "入围年度星级厅评选" in html
    # May 2nd → June 1st: one place gained.
    assert archive.rank_change == 1
    assert (archive.district_size, archive.kind_size) == (2, 4)


def test_hall_manager_asking_for_a_draft_month_gets_an_error_and_not_its_figures(client, world, gradings):
    response = _archive(client, world.manager_a1, world.hall_a1, month="2026-07")
    assert response.context["month_form"].errors["month"]
    assert response.context["archive"].month == JUNE
    assert "60.00" not in response.content.decode()


def test_hq_sees_the_draft_under_review_marked_as_such(client, world, gradings):
    response = _archive(client, world.hq, world.hall_a1)
    assert response.context["archive"].month == JULY
    assert response.context["archive"].result.composite == d("60.00")
    assert "尚待审核发布" in response.content.decode()
    june = _archive(client, world.hq, world.hall_a1, month="2026-06").context["archive"]
    assert june.result.composite == d("92.50")


def test_composite_is_explained_line_by_line(world, gradings):
    archive = hall_archive(runs=visible_runs(scope=scope_for(world.hq)), hall=world.hall_a1, month=JUNE)
    contributions = [line.contribution for line in archive.explanation]
    # 95 × 40% = 38.00, 90 × 30% = 27.00, 90 × 20% = 18.00, 95 × 10% = 9.50; subtotal 92.50; +0; −0; 92.50.
    assert contributions == [d("38.00"), d("27.00"), d("18.00"), d("9.50"), d("92.50"), d("0"), d("0"), d("92.50")]
    assert [line.kind for line in archive.explanation][-1] == "total"


def test_the_explanation_states_the_one_rule_for_complaints(client, world, gradings):
    html = _archive(client, world.manager_a1, world.hall_a1).content.decode()
    assert (
        '<p class="small text-muted" id="complaint-rule">属实投诉只计一次：只在“投诉”维度计分；'
        "检查中的“属实投诉”扣分项不扣分，导入的扣分事件不得是投诉。“扣分”一行只含投诉以外的扣分项和扣分事件。</p>"
    ) in html


def test_vetoed_month_shows_the_cap_and_bonus_and_deductions(world, gradings):
    result = world.hall_b2.results.get(run=gradings.june)
    result.bonus_points, result.deduction_points = d("2.00"), d("1.50")
    result.save()
    archive = hall_archive(runs=visible_runs(scope=scope_for(world.hq)), hall=world.hall_b2, month=JUNE)
    lines = {line.kind: line.contribution for line in archive.explanation}
    # 84.00 + 2.00 − 1.50 = 84.50 before the veto caps the month at the policy's 59.
    assert (lines["subtotal"], lines["bonus"], lines["deduction"], lines["veto"]) == (
        d("84.00"),
        d("2.00"),
        d("-1.50"),
        d("59"),
    )


def test_trend_holds_twelve_months_with_gaps_where_nothing_was_graded(world, gradings):
    archive = hall_archive(runs=visible_runs(scope=scope_for(world.manager_a1)), hall=world.hall_a1)
    assert archive.trend["months"][0] == "2025-07" and archive.trend["months"][-1] == "2026-06"
    assert archive.trend["composite"][-2:] == [88.0, 92.5]
    assert archive.trend["rank"][-2:] == [2, 1]
    assert archive.trend["composite"][:10] == [None] * 10


def test_the_trend_s_score_axis_starts_at_zero_and_names_the_months_without_a_result(client, world, gradings):
    # Scores of 88 and 92.5: an axis fitted to the data would start near 88 and make 4.5 points look huge.
    response = _archive(client, world.manager_a1, world.hall_a1)
    trend = response.context["archive"].trend
    assert trend["composite_axis"] == {"min": 0, "max": 100}
    assert trend["rank_max"] == 4  # the rank axis spans the city's four halls
    assert trend["gaps"] == [f"2025-{m:02d}" for m in range(7, 13)] + [f"2026-{m:02d}" for m in range(1, 5)]
    assert trend["labels"]["gap"] == "无结果"
    html = response.content.decode()
    assert 'id="trend-gaps"' in html and "2025-07、2025-08" in html


def test_level_one_dimensions_compare_the_hall_with_the_city(world, gradings):
    # a1 loses 10 of S1.1's 20 points; b1 (same city) scores full marks.
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.1": 10})
    inspection_submit(hall=world.hall_b1, month=JUNE)
    archive = hall_archive(runs=visible_runs(scope=scope_for(world.hq)), hall=world.hall_a1, month=JUNE)
    by_code = {row["code"]: row for row in archive.dimensions}
    # S: hall (10 + 10 + 30) / 60 = 83.33%; city (50 + 60) / 120 = 91.67%. Q: full marks everywhere.
    assert by_code["S"]["hall"] == d("83.33")
    assert by_code["S"]["city"] == d("91.67")
    assert by_code["Q"]["hall"] == by_code["Q"]["city"] == d("100.00")
    assert [row["code"] for row in archive.dimensions] == ["S", "Q"]


def test_weakest_indicators_cover_the_last_three_months_only(world, gradings):
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.1": 10})
    inspection_submit(hall=world.hall_a1, month=dt.date(2026, 5, 1), points={"Q1.2": 2}, kind=InspectionKind.REMOTE)
    inspection_submit(hall=world.hall_a1, month=dt.date(2026, 3, 1), points={"S2.1": 0})  # outside Apr–Jun
    archive = hall_archive(runs=visible_runs(scope=scope_for(world.hq)), hall=world.hall_a1, month=JUNE)
    # Q1.2: 8 lost of 20 = 40%; S1.1: 10 lost of 40 = 25%; S2.1 lost in March does not count.
    assert [(w["code"], w["lost"], w["share_lost"]) for w in archive.weak] == [
        ("Q1.2", d("8.00"), d("40.00")),
        ("S1.1", d("10.00"), d("25.00")),
    ]


def test_archive_lists_open_rectifications_and_customers_to_repair(client, world, gradings):
    inspection = inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.2": 4})
    rectification(inspection=inspection, code="S1.2", due=dt.date(2026, 6, 20))
    done = inspection_submit(hall=world.hall_a1, month=JUNE, points={"Q1.1": 1})
    rectification(inspection=done, code="Q1.1", due=dt.date(2026, 6, 20), state=RectificationState.VERIFIED)
    repair_case(hall=world.hall_a1, overall=3)
    repair_case(hall=world.hall_b1, overall=2)
    archive = _archive(client, world.manager_a1, world.hall_a1).context["archive"]
    assert [r.indicator.code for r in archive.rectifications] == ["S1.2"]
    assert [c.hall_id for c in archive.repair_cases] == [world.hall_a1.pk]


def test_hall_without_any_grading_shows_an_empty_archive(client, world):
    response = _archive(client, world.manager_a1, world.hall_a1)
    assert response.context["archive"].result is None
    assert 'id="archive-empty"' in response.content.decode()


def test_what_if_gradings_never_reach_the_pages(client, world, gradings):
    from scoring.models import GradingRun, RunState
    from tests.reports.factories import HallMonthResultFactory

    what_if = GradingRun.objects.create(
        month=dt.date(2026, 8, 1), state=RunState.DRAFT, is_what_if=True, policy=gradings.june.policy
    )
    HallMonthResultFactory(run=what_if, hall=world.hall_a1, composite=d(11))
    archive = _archive(client, world.hq, world.hall_a1).context["archive"]
    assert archive.month == JULY
    assert dt.date(2026, 8, 1) not in archive.months


def test_a_published_months_city_figures_are_computed_once_for_all_the_citys_halls(world, gradings):
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.1": 10})
    runs = visible_runs(scope=scope_for(world.hq))
    first = hall_archive(runs=runs, hall=world.hall_a1, month=JUNE)
    # June is published, so its evidence is frozen: a row written behind the services' back (they refuse
    # it) does not reach the city figure, which comes from the cache; the hall's own figure is read afresh.
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.1": 0})
    again = hall_archive(runs=runs, hall=world.hall_a1, month=JUNE)
    city = {row["code"]: row["city"] for row in first.dimensions}
    assert {row["code"]: row["city"] for row in again.dimensions} == city
    # The hall: (10 + 10 + 30 + 0 + 10 + 30) / 120 = 75.00%, against 83.33% before.
    assert {row["code"]: row["hall"] for row in again.dimensions}["S"] == d("75.00")


def test_publishing_a_month_stores_each_citys_figures_which_the_archive_then_reads(world, gradings):
    other_city = HallFactory()
    inspection_submit(hall=world.hall_a1, month=JULY, points={"S1.1": 10})
    inspection_submit(hall=world.hall_b1, month=JULY)
    inspection_submit(hall=other_city, month=JULY, points={"S1.1": 0, "Q1.2": 5})
    run = month_publish(month=JULY)

    stored = {
        (f.city_id, f.code): (f.name_zh, f.name_en, f.max_total, f.awarded)
        for f in CityDimensionFigure.objects.filter(run=run)
    }
    city, other = world.hall_a1.district.city_id, other_city.district.city_id
    assert stored == {
        (city, "S"): ("服务", "Service", d(120), d(110)),
        (city, "Q"): ("排队", "Queue", d(80), d(80)),
        (other, "S"): ("服务", "Service", d(60), d(40)),
        (other, "Q"): ("排队", "Queue", d(40), d(35)),
    }
    # An inspection written behind the services' back (they refuse one in a published month), with the
    # cache emptied: the city's figures are the stored ones, the hall's own are read afresh.
    inspection_submit(hall=world.hall_a1, month=JULY, points={"S1.1": 0})
    cache.clear()
    runs = visible_runs(scope=scope_for(world.hq))
    dimensions = {row["code"]: row for row in hall_archive(runs=runs, hall=world.hall_a1, month=JULY).dimensions}
    assert (dimensions["S"]["city"], dimensions["Q"]["city"]) == (d("91.67"), d("100.00"))
    # The hall: (10 + 10 + 30 + 0 + 10 + 30) / 120 = 75.00%.
    assert dimensions["S"]["hall"] == d("75.00")
    with translation.override("en"):
        names = [row["name"] for row in hall_archive(runs=runs, hall=world.hall_a1, month=JULY).dimensions]
    assert names == ["Service", "Queue"]


def test_a_hall_own_figures_are_kept_once_its_three_months_are_published_and_not_before(world, gradings):
    inspection_submit(hall=world.hall_a1, month=JULY, points={"S1.1": 10})
    runs = visible_runs(scope=scope_for(world.hq))

    def own_service(runs) -> tuple:
        archive = hall_archive(runs=runs, hall=world.hall_a1, month=JULY)
        return {row["code"]: row["hall"] for row in archive.dimensions}["S"], [w["code"] for w in archive.weak]

    # July is a draft: its figures follow each inspection. (10 + 10 + 30) / 60, then with a second
    # inspection (10 + 10 + 30 + 0 + 10 + 30) / 120.
    assert own_service(runs) == (d("83.33"), ["S1.1"])
    inspection_submit(hall=world.hall_a1, month=JULY, points={"S1.1": 0, "S1.2": 5})
    assert own_service(runs) == (d("70.83"), ["S1.1", "S1.2"])
    # Published, with May and June: the figures are read once and kept (a row written behind the services'
    # back, which refuse one in a published month, does not reach them).
    month_publish(month=JULY)
    runs = visible_runs(scope=scope_for(world.hq))
    assert own_service(runs) == (d("70.83"), ["S1.1", "S1.2"])
    inspection_submit(hall=world.hall_a1, month=JULY, points={"S1.1": 0, "Q1.1": 0})
    assert own_service(runs) == (d("70.83"), ["S1.1", "S1.2"])


def test_group_sizes_of_every_hall_of_a_run_come_from_one_count(world, gradings):
    runs = visible_runs(scope=scope_for(world.hq))
    with CaptureQueriesContext(connection) as first:
        a1 = hall_archive(runs=runs, hall=world.hall_a1, month=JUNE)
    with CaptureQueriesContext(connection) as second:
        b1 = hall_archive(runs=runs, hall=world.hall_b1, month=JUNE)

    def counts(queries) -> int:
        return sum('COUNT("scoring_hallmonthresult"' in query["sql"] for query in queries.captured_queries)

    assert (counts(first), counts(second)) == (1, 0)
    assert (a1.district_size, a1.kind_size, b1.district_size, b1.kind_size) == (2, 4, 2, 4)


def test_a_draft_months_city_figures_follow_each_new_inspection(world, gradings):
    runs = visible_runs(scope=scope_for(world.hq))
    inspection_submit(hall=world.hall_b1, month=JULY)
    before = {row["code"]: row["city"] for row in hall_archive(runs=runs, hall=world.hall_a1, month=JULY).dimensions}
    inspection_submit(hall=world.hall_b1, month=JULY, points={"S1.1": 0})
    after = {row["code"]: row["city"] for row in hall_archive(runs=runs, hall=world.hall_a1, month=JULY).dimensions}
    # S in the city: 60 of 60 before; (60 + 40) / 120 = 83.33% after.
    assert (before["S"], after["S"]) == (d("100.00"), d("83.33"))
