"""Demo inspections: 1–3 per hall per month, totals that match their items, deterministic, idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from inspections.demo import demo_inspections_seed
from inspections.models import Inspection, InspectionItem, InspectionState, Rectification
from inspections.services.totals import totals_compute
from inspections.services.tree import default_tree_load
from tests.factories import HallFactory


@pytest.fixture
def halls(db):
    default_tree_load()
    from scoring.services import default_policy_load

    default_policy_load()
    return [HallFactory() for _ in range(4)]


def _snapshot():
    return sorted(
        Inspection.objects.values_list("hall__code", "kind", "inspected_at", "points_awarded", "score", "vetoed")
    )


def test_demo_inspections_are_one_to_three_per_hall_and_month_with_consistent_totals(halls):
    count = demo_inspections_seed(halls=halls, months=3, seed=5, today=dt.date(2026, 3, 20))
    per_hall_month = Counter(Inspection.objects.values_list("hall_id", "month"))
    assert set(per_hall_month.values()) <= {1, 2, 3}
    assert {month for _, month in per_hall_month} == {dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)}
    assert len(per_hall_month) == 4 * 3 and sum(per_hall_month.values()) == count
    assert not Inspection.objects.exclude(state=InspectionState.SUBMITTED).exists()
    assert Inspection.objects.filter(inspected_at__date__gt=dt.date(2026, 3, 19)).count() == 0
    for inspection in Inspection.objects.all()[:20]:
        rows = InspectionItem.objects.filter(inspection=inspection).values_list(
            "indicator__kind", "points", "max_points", "not_applicable"
        )
        totals = totals_compute(rows)
        assert (inspection.points_awarded, inspection.score) == (totals.points_awarded, totals.score)
    assert Rectification.objects.exists()


def test_demo_inspections_are_deterministic_and_added_once(halls):
    demo_inspections_seed(halls=halls, months=2, seed=9, today=dt.date(2026, 3, 20))
    first = _snapshot()
    assert demo_inspections_seed(halls=halls, months=2, seed=9, today=dt.date(2026, 3, 20)) == 0
    assert _snapshot() == first
    Inspection.objects.all().delete()
    demo_inspections_seed(halls=halls, months=2, seed=9, today=dt.date(2026, 3, 20))
    assert _snapshot() == first
