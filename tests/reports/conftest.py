from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from scoring.models import GradingRun, RunState
from tests.factories import d
from tests.reports.factories import HallMonthResultFactory, grading_run

MAY = dt.date(2026, 5, 1)
JUNE = dt.date(2026, 6, 1)
JULY = dt.date(2026, 7, 1)


@dataclass
class Gradings:
    may: GradingRun
    june: GradingRun
    july_draft: GradingRun


@pytest.fixture
def gradings(world) -> Gradings:
    return gradings_build(world)


def gradings_build(world) -> Gradings:
    """May and June published, July a draft under review, for the four halls of ``world``.

    June city ranks: a1 1st (92.5 A), b1 2nd (85 B), a2 3rd (75 C), b2 4th (55 D, vetoed).
    a1's June composite: 95 × 40% + 90 × 30% + 90 × 20% + 95 × 10% = 38 + 27 + 18 + 9.5 = 92.50.
    May city ranks:  b1 1st, a1 2nd, b2 3rd, a2 4th — so a1 and a2 rose one place, b1 and b2 fell one.
    July (draft): a1 last with 60.
    """
    may, june, july = grading_run(MAY), grading_run(JUNE), grading_run(JULY, state=RunState.DRAFT)
    for hall, rank, composite in (
        (world.hall_b1, 1, 90),
        (world.hall_a1, 2, 88),
        (world.hall_b2, 3, 80),
        (world.hall_a2, 4, 70),
    ):
        HallMonthResultFactory(run=may, hall=hall, rank_city=rank, city_size=4, composite=d(composite))
    rows = (
        (
            world.hall_a1,
            1,
            1,
            "92.50",
            "A",
            {
                "next_status": "exempt",
                "star_nominee": True,
                "mystery_score": d(95),
                "satisfaction_score": d(90),
                "inspection_score": d(90),
                "complaint_score": d(95),
            },
        ),
        (world.hall_b1, 2, 1, "85.00", "B", {}),
        (world.hall_a2, 3, 2, "75.00", "C", {}),
        (world.hall_b2, 4, 2, "55.00", "D", {"vetoed": True, "next_status": "monitored"}),
    )
    for hall, rank_city, rank_district, composite, grade, extra in rows:
        HallMonthResultFactory(
            run=june, hall=hall, rank_city=rank_city, rank_district=rank_district, rank_kind=rank_city,
            city_size=4, composite=d(composite), grade=grade, **extra,
        )  # fmt: skip
    HallMonthResultFactory(run=july, hall=world.hall_a1, rank_city=4, city_size=4, composite=d(60), grade="D")
    return Gradings(may=may, june=june, july_draft=july)
