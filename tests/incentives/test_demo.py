"""The demo bonus: pools for every unit and month, a split of each published month, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from halls.models import MarketingUnit
from incentives.demo import demo_bonus_seed
from incentives.models import BonusPool, BonusSplit, HallBonus, SplitState
from surveys.models import ServiceVolume, StaffServicePoints
from tests.factories import HallFactory, StaffFactory
from tests.incentives.factories import published_month

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 18)
JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def test_demo_bonus_pools_every_unit_and_month_and_splits_the_published_months():
    halls = [HallFactory() for _ in range(3)]
    for hall in halls:
        StaffFactory.create_batch(3, hall=hall)
    published_month(FEB, {hall: {"grade": "A"} for hall in halls})
    published_month(MAR, {hall: {"grade": "C"} for hall in halls})

    summary = demo_bonus_seed(months=3, today=TODAY)

    # Jan, Feb, Mar and the current April, for each of the three units.
    assert BonusPool.objects.count() == summary.pools_created == 3 * 4
    assert set(BonusPool.objects.values_list("month", flat=True)) == {JAN, FEB, MAR, dt.date(2026, 4, 1)}
    assert set(MarketingUnit.objects.filter(bonus_pools__month=JAN)) == set(MarketingUnit.objects.all())
    splits = {split.month: split for split in BonusSplit.objects.all()}
    assert set(splits) == {FEB, MAR}
    assert (splits[FEB].state, splits[MAR].state) == (SplitState.APPROVED, SplitState.DRAFT)
    for split in splits.values():
        assert split.hall_total == split.pool_total > 0
        assert split.staff_total == split.hall_total
    assert HallBonus.objects.filter(split=splits[MAR]).count() == 3
    assert not ServiceVolume.objects.filter(month=JAN).exists()  # evidence only for the months split


def test_demo_bonus_run_twice_adds_nothing():
    hall = HallFactory()
    StaffFactory(hall=hall)
    published_month(MAR, {hall: {"grade": "B"}})
    demo_bonus_seed(months=2, today=TODAY)
    counts = (BonusPool.objects.count(), BonusSplit.objects.count(), StaffServicePoints.objects.count())
    again = demo_bonus_seed(months=2, today=TODAY)
    assert (again.pools_created, again.splits_made) == (0, 0)
    assert (BonusPool.objects.count(), BonusSplit.objects.count(), StaffServicePoints.objects.count()) == counts
