"""Early warning of falling into the bottom share next month, checked on a drawn history.

Five halls in one group of five (place = rank; fifth = ⌈rank / 5 × 5⌉ = rank), four published months,
bottom share = the last place. Composite (rank), * = in the bottom share, ↓ = composite fell:

            M1 (Jan)   M2 (Feb)     M3 (Mar)     M4 (Apr)
    h1      90 (1)     91 (1)       92 (1)       93 (1)
    h2      85 (2)     84 (2)↓      80 (3)↓      79 (3)↓
    h3      80 (3)     70 (5)*↓     75 (4)       70 (5)*↓
    h4      75 (4)     76 (3)       77 (2)       78 (2)
    h5      60 (5)*    74 (4)       65 (5)*↓     75 (4)

Cases (fifth, fell) -> in the bottom share next month:
    M1: h1 (1,no)->0  h2 (2,no)->0  h3 (3,no)->1  h4 (4,no)->0  h5 (5,no)->0
    M2: h1 (1,no)->0  h2 (2,yes)->0 h3 (5,yes)->0 h4 (3,no)->0  h5 (4,no)->1
    M3: h1 (1,no)->0  h2 (3,yes)->0 h3 (4,no)->1  h4 (2,no)->0  h5 (5,yes)->0
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from scoring.selectors.early_warning import early_warning
from tests.factories import HallFactory, d
from tests.reports.factories import HallMonthResultFactory, grading_run, inspection_submit

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(2026, m, 1) for m in (1, 2, 3, 4)]
HISTORY = {
    "h1": [(90, 1), (91, 1), (92, 1), (93, 1)],
    "h2": [(85, 2), (84, 2), (80, 3), (79, 3)],
    "h3": [(80, 3), (70, 5), (75, 4), (70, 5)],
    "h4": [(75, 4), (76, 3), (77, 2), (78, 2)],
    "h5": [(60, 5), (74, 4), (65, 5), (75, 4)],
}


@pytest.fixture
def history(world) -> dict:
    halls = {
        "h1": world.hall_a1, "h2": world.hall_a2, "h3": world.hall_b1, "h4": world.hall_b2,
        "h5": HallFactory(district=world.hall_a1.district),
    }  # fmt: skip
    for index, month in enumerate(MONTHS):
        run = grading_run(month)
        for name, hall in halls.items():
            composite, rank = HISTORY[name][index]
            HallMonthResultFactory(
                run=run, hall=hall, composite=d(composite), rank_city=rank, city_size=5, group_size=5,
                in_bottom_share=rank == 5,
            )  # fmt: skip
    return halls


def test_the_warning_is_the_transition_rate_of_halls_that_stood_the_same_way(history):
    warning = early_warning(month=MONTHS[-1], min_cases=1, threshold=0.5)
    # April: h1 (1,no) 0/3; h2 (3,yes) 0/1 (h2 in M3); h3 is already in the bottom share; h4 (2,no) 0/2;
    # h5 (4,no): h4 M1 -> 0, h5 M2 -> 1, h3 M3 -> 1 = 2/3 ≈ 67 % >= 50 %: warned, on three cases.
    assert [(w.hall_id, w.band, w.falling, w.risk_percent, w.cases) for w in warning.warnings] == [
        (history["h5"].pk, 4, False, 67, 3)
    ]


def test_a_combination_seen_too_rarely_gives_no_warning(history):
    assert early_warning(month=MONTHS[-1], min_cases=4, threshold=0.5).warnings == []  # h5's cell has 3 cases


def test_the_back_test_counts_last_years_warnings_that_came_true(history):
    backtest = early_warning(month=MONTHS[-1], min_cases=1, threshold=0.5).backtest
    # Feb, from Jan's cases only: h4 (3,no) 1/1 -> warned, not in the bottom in March (h5 was: unwarned,
    #   its cell (4,no) was 0/1). h2 (2,yes) unseen. h3 is in the bottom already.
    # Mar, from Jan and Feb: h3 (4,no) = h4 Jan 0 + h5 Feb 1 = 1/2 -> warned, and h3 is bottom in April.
    #   h2 (3,yes) unseen; h1 (1,no) 0/2; h4 (2,no) 0/1.
    # Two warnings, one came true (50 %); two entrants (h5 in March, h3 in April), one warned (50 %).
    assert (backtest.months, backtest.warnings, backtest.came_true) == (2, 2, 1)
    assert (backtest.entrants, backtest.warned_entrants) == (2, 1)
    assert backtest.precision == 0.5 and backtest.recall == 0.5


def test_the_warning_is_flagged_on_the_district_home_with_the_policys_figures(client, world, history):
    from scoring.models import GradingPolicy

    GradingPolicy.objects.update(warning_min_cases=1, warning_risk=50)
    client.force_login(world.district_a)
    response = client.get(reverse("scoring:district_home"))
    warning = response.context["early_warning"]
    assert [w.hall_id for w in warning.warnings] == [history["h5"].pk]
    html = response.content.decode()
    assert 'id="early-warning"' in html and history["h5"].name in html and "67%" in html
    assert "2 次预警，其中 1 次应验" in html  # the back-test above
    client.force_login(world.district_b)  # h5 is in district A
    assert client.get(reverse("scoring:district_home")).context["early_warning"].warnings == []
    GradingPolicy.objects.update(warning_min_cases=4)  # h5's cell has three cases
    client.force_login(world.district_a)
    assert client.get(reverse("scoring:district_home")).context["early_warning"].warnings == []


def test_a_result_without_a_place_in_its_group_is_left_out(world):
    run = grading_run(MONTHS[0])
    HallMonthResultFactory(run=run, hall=world.hall_a1, rank_city=None, city_size=None, group_size=None)
    warning = early_warning(month=MONTHS[0], min_cases=1)
    assert warning.warnings == [] and warning.backtest.months == 0


MAY = dt.date(2026, 5, 1)


@pytest.fixture
def inspections_after(history) -> dict:
    """The month after's evidence, inspected on the 10th: March (after February) h5 80 and h1 100, April
    (after March) h3 80 and h1 100; each month's city average of the halls inspected is (80 + 100) / 2 = 90, so
    h5 in February's and h3 in March's case were "low", h1 "ok". S1.1 0 of 20: 80 of 100 points."""
    for month, weak in ((MONTHS[2], history["h5"]), (MONTHS[3], history["h3"])):
        inspection_submit(hall=weak, month=month, points={"S1.1": 0})
        inspection_submit(hall=history["h1"], month=month)
    return history


def test_the_months_evidence_so_far_splits_the_cases(inspections_after):
    halls = inspections_after
    inspection_submit(hall=halls["h5"], month=MAY, points={"S1.1": 0})  # May 10th: 80, below h1's 100
    inspection_submit(hall=halls["h1"], month=MAY)
    warning = early_warning(month=MONTHS[-1], as_of=dt.date(2026, 5, 20), min_cases=1, threshold=0.5)
    # h5 in April: fifth 4, not falling, May's inspections so far low. Cases (4, no, low): h5 February -> 1,
    # h3 March -> 1 = 2/2 = 100 %. (Without the evidence its cell (4, no, none) holds h4 January -> 0 alone.)
    assert [(w.hall_id, w.evidence, w.risk_percent, w.cases) for w in warning.warnings] == [
        (halls["h5"].pk, "low", 100, 2)
    ]


def test_evidence_after_todays_day_of_the_month_is_not_read(inspections_after):
    halls = inspections_after
    late = inspection_submit(hall=halls["h5"], month=MAY, points={"S1.1": 0})
    inspection_submit(hall=halls["h1"], month=MAY)
    late.inspected_at = late.inspected_at.replace(day=25)
    late.save()
    warning = early_warning(month=MONTHS[-1], as_of=dt.date(2026, 5, 20), min_cases=1, threshold=0.5)
    # h5's May evidence is not in yet on the 20th: cell (4, no, none) = h4 January -> 0 of 1: no warning.
    assert warning.warnings == []
