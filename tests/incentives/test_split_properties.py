"""The whole split, end to end, on generated units: the books balance to the cent, whatever the input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentives.models import HallBonus, StaffBonus, UnitBonus
from incentives.services import split_bonus
from scoring.models import HallStatus
from tests.factories import CityFactory, DistrictFactory, HallFactory, MarketingUnitFactory, StaffFactory
from tests.incentives.factories import (
    BonusPoolFactory,
    CoefficientTableFactory,
    ServiceVolumeFactory,
    StaffPointsFactory,
    published_month,
)

MARCH = dt.date(2026, 3, 1)

money = st.integers(min_value=0, max_value=10**9).map(lambda cents: Decimal(cents) / 100)
points = st.integers(min_value=0, max_value=10**6).map(lambda hundredths: Decimal(hundredths) / 100)
halls = st.fixed_dictionaries(
    {
        "volume": st.integers(min_value=0, max_value=10**6),
        "grade": st.sampled_from(["A", "B", "C", "D", ""]),
        "supervised": st.booleans(),
        "vetoed": st.booleans(),
        "staff_points": st.lists(points, max_size=4),
    }
)
units = st.lists(st.tuples(money, st.lists(halls, min_size=1, max_size=4)), min_size=1, max_size=3)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units=units)
def test_any_split_balances_to_the_cent_and_never_favours_a_lighter_hall(units):
    with transaction.atomic():
        CoefficientTableFactory()
        district = DistrictFactory(city=CityFactory())
        results = {}
        for pool, hall_specs in units:
            unit = MarketingUnitFactory(city=district.city)
            BonusPoolFactory(marketing_unit=unit, month=MARCH, amount=pool)
            for spec in hall_specs:
                hall = HallFactory(district=district, marketing_unit=unit)
                ServiceVolumeFactory(hall=hall, month=MARCH, front_desk=spec["volume"])
                results[hall] = {
                    "graded": bool(spec["grade"]),
                    "grade": spec["grade"],
                    "vetoed": spec["vetoed"],
                    "status": HallStatus.SUPERVISED if spec["supervised"] else HallStatus.NORMAL,
                }
                for value in spec["staff_points"]:
                    StaffPointsFactory(staff=StaffFactory(hall=hall), month=MARCH, points=value)
        published_month(MARCH, results)

        split = split_bonus(month=MARCH)

        assert split.pool_total == sum(pool for pool, _ in units)
        for unit_row in UnitBonus.objects.filter(split=split):
            rows = list(HallBonus.objects.filter(unit=unit_row))
            assert sum(row.amount for row in rows) == unit_row.allocated
            assert unit_row.allocated == (unit_row.pool if unit_row.weight_total else 0)
            for a in rows:
                assert a.amount >= 0
                for b in rows:
                    if a.weight > b.weight:
                        assert a.amount >= b.amount
        for hall_row in HallBonus.objects.filter(split=split):
            staff = list(StaffBonus.objects.filter(hall_bonus=hall_row))
            assert sum((row.amount for row in staff), Decimal("0")) == hall_row.staff_allocated
            assert hall_row.staff_allocated == (hall_row.amount if hall_row.points_total else 0)
            assert all(row.amount >= 0 for row in staff)
        assert split.hall_total + split.unit_unallocated == split.pool_total
        assert split.staff_total + split.hall_unallocated == split.hall_total
        transaction.set_rollback(True)
