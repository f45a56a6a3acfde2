"""The bulk split (incentives/splitting.py) gives exactly what the split did one Decimal at a time
(tests/incentives/reference_split.py): every unit, hall and staff row, in the same order, to the cent, with the
same totals and notes; and its two whole-number roundings agree with ``split_by_weight`` and Decimal's
``quantize`` on any input."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives.allocation import NothingToSplitBy, half_up_ratio, largest_remainder_cents, split_by_weight
from incentives.models import BonusSplit, HallBonus, SplitState, StaffBonus, UnitBonus
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
from tests.incentives.reference_split import reference_split_bonus

MARCH = dt.date(2026, 3, 1)

# Codes that sort differently by code point (Python's tie-break) and by a linguistic collation (the rows'
# order from the database), so that the two orders cannot be confused for each other unnoticed.
CODE_STEMS = ["a", "B", "b", "A-", "a_", "Z", "z", "0", "É", "厅"]


def _world(seed: int, *, large: bool = False) -> None:
    """A random month: units with and without a pool (a zero pool, odd cents), halls open, closed in the month
    or before, opened after it, with and without a result (graded, not graded, supervised, vetoed) and a volume,
    staff employed, left in the month, left before it, joining after it; volumes and points drawn from small
    sets so that weights, remainders and points tie. ``large`` draws amounts and volumes near the fields'
    limits, past what int64 holds for cents × weight."""
    rng = random.Random(seed)
    table = CoefficientTableFactory()
    table.grade_a, table.grade_c, table.not_graded = Decimal("1.25"), Decimal("0.35"), Decimal("0.05")
    table.save()
    city = CityFactory()
    district = DistrictFactory(city=city)
    results = {}
    employee = 0
    for unit_no in range(rng.randint(2, 5)):
        unit = MarketingUnitFactory(city=city, code=f"{rng.choice(CODE_STEMS)}U{seed}-{unit_no}")
        # The first unit always has a pool and halls: the world is never empty.
        pool_kind = "odd" if unit_no == 0 else rng.choice(["odd", "odd", "odd", "zero", "none"])
        if pool_kind != "none":
            cents = 0 if pool_kind == "zero" else rng.randint(1, 10**13 if large else 10**7)
            BonusPoolFactory(marketing_unit=unit, month=MARCH, amount=Decimal(cents) / 100)
        for hall_no in range(8 if unit_no == 0 else rng.choice([0, 1, 3, 6, 10])):
            closed_on = rng.choice([None] * 6 + [dt.date(2026, 3, 31), dt.date(2026, 2, 1), dt.date(2026, 4, 1)])
            opened_on = rng.choice([dt.date(2020, 1, 1)] * 8 + [dt.date(2026, 3, 31), dt.date(2026, 4, 1)])
            hall = HallFactory(
                code=f"{rng.choice(CODE_STEMS)}{rng.choice(CODE_STEMS)}{seed}-{unit_no}-{hall_no}",
                district=district,
                marketing_unit=unit,
                opened_on=opened_on,
                closed_on=closed_on if closed_on is None or closed_on >= opened_on else None,
            )
            if rng.random() < 0.9:
                volume = rng.choice([0, 7, 100, 100, 100, 333, 1000]) * (rng.randint(10**5, 7 * 10**5) if large else 1)
                ServiceVolumeFactory(hall=hall, month=MARCH, front_desk=volume, self_service_terminal=volume % 3)
            if rng.random() < 0.9:
                grade = rng.choice(["A", "B", "B", "C", "D", ""])
                results[hall] = {
                    "graded": bool(grade),
                    "grade": grade,
                    "vetoed": rng.random() < 0.1,
                    "status": HallStatus.SUPERVISED if rng.random() < 0.15 else HallStatus.NORMAL,
                }
            for _ in range(rng.choice([0, 1, 2, 3, 5])):
                employee += 1
                active_from, active_to = rng.choice(
                    [
                        (dt.date(2021, 1, 1), None),
                        (dt.date(2021, 1, 1), None),
                        (dt.date(2021, 1, 1), dt.date(2026, 3, 15)),  # left in the month
                        (dt.date(2021, 1, 1), dt.date(2026, 3, 31)),  # left on its last day
                        (dt.date(2021, 1, 1), dt.date(2026, 2, 28)),  # left before it: not employed
                        (dt.date(2026, 3, 1), None),  # joined on its first day
                        (dt.date(2026, 4, 1), None),  # joins after it: not employed
                    ]
                )
                staff = StaffFactory(
                    hall=hall,
                    employee_no=f"{rng.choice(CODE_STEMS)}{employee:04d}",
                    active_from=active_from,
                    active_to=active_to,
                )
                if rng.random() < 0.95:
                    points = rng.choice(["0", "1.00", "1.00", "2.50", "33.33", "100.00", "999999.99" if large else "7"])
                    StaffPointsFactory(staff=staff, month=MARCH, points=Decimal(points))
    # A unit with no pool whose hall was graded: the split names it.
    orphan = MarketingUnitFactory(city=city, code=f"orphan{seed}")
    results[HallFactory(district=district, marketing_unit=orphan)] = {"grade": "A"}
    # The split needs at least one pool.
    BonusPoolFactory(marketing_unit=orphan if rng.random() < 0.2 else MarketingUnitFactory(city=city), month=MARCH)
    published_month(MARCH, results)


def _rows(split: BonusSplit) -> dict:
    units = UnitBonus.objects.filter(split=split).order_by("id")
    halls = HallBonus.objects.filter(split=split).order_by("id")
    staff = StaffBonus.objects.filter(split=split).order_by("id")
    return {
        "totals": (
            split.pool_total,
            split.hall_total,
            split.unit_unallocated,
            split.staff_total,
            split.hall_unallocated,
        ),
        "notes": split.notes,
        "units": list(units.values_list("marketing_unit_id", "pool", "weight_total", "allocated", "unallocated")),
        "halls": list(
            halls.values_list(
                "hall_id",
                "unit__marketing_unit_id",
                "graded",
                "grade",
                "status",
                "vetoed",
                "coefficient_basis",
                "volume",
                "coefficient",
                "weight",
                "share",
                "amount",
                "points_total",
                "staff_allocated",
                "staff_unallocated",
            )
        ),
        "staff": list(
            staff.values_list("staff_id", "hall_bonus__hall_id", "points", "share", "amount", "left_in_month")
        ),
    }


def _both_splits() -> tuple[dict, dict]:
    reference = reference_split_bonus(month=MARCH)
    bulk = split_bonus(month=MARCH)
    reference.refresh_from_db()
    bulk.refresh_from_db()
    assert (reference.state, bulk.state) == (SplitState.SUPERSEDED, SplitState.DRAFT)
    return _rows(reference), _rows(bulk)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(8))
def test_the_bulk_split_gives_every_row_of_the_one_by_one_split(seed):
    _world(seed)

    reference, bulk = _both_splits()

    for part in ("totals", "notes", "units", "halls", "staff"):
        assert bulk[part] == reference[part], part
    assert reference["halls"] and reference["staff"]  # the world was not empty


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(3))
def test_the_bulk_split_is_exact_past_what_int64_holds(seed):
    _world(100 + seed, large=True)

    reference, bulk = _both_splits()

    assert max(row[1] for row in reference["units"]) > Decimal("1e8")  # pools of more than ¥100,000,000
    for part in ("totals", "notes", "units", "halls", "staff"):
        assert bulk[part] == reference[part], part


@pytest.mark.django_db
def test_every_kind_of_note_is_given_alike():
    """A world that holds each note: a unit with no pool, a unit whose halls weigh nothing, a hall without
    points, points of someone not employed in the month."""
    CoefficientTableFactory()
    district = DistrictFactory()
    weightless, paid, orphan = (MarketingUnitFactory(city=district.city) for _ in range(3))
    BonusPoolFactory(marketing_unit=weightless, month=MARCH, amount=Decimal("10.01"))
    BonusPoolFactory(marketing_unit=paid, month=MARCH, amount=Decimal("100.03"))
    idle = HallFactory(district=district, marketing_unit=weightless)
    pointless, staffed = (HallFactory(district=district, marketing_unit=paid) for _ in range(2))
    graded_orphan = HallFactory(district=district, marketing_unit=orphan)
    for hall in (pointless, staffed):
        ServiceVolumeFactory(hall=hall, month=MARCH, front_desk=10)
    StaffPointsFactory(staff=StaffFactory(hall=staffed, active_to=dt.date(2026, 1, 31)), month=MARCH)
    StaffPointsFactory(staff=StaffFactory(hall=staffed), month=MARCH, points=Decimal("3"))
    StaffPointsFactory(staff=StaffFactory(hall=staffed), month=MARCH, points=Decimal("3"))
    published_month(MARCH, {idle: {"grade": "A"}, pointless: {}, staffed: {}, graded_orphan: {}})

    reference, bulk = _both_splits()

    assert [note["kind"] for note in reference["notes"]] == [
        "unit_no_pool",
        "unit_zero_weight",
        "staff_not_employed",
        "hall_no_points",
    ]
    assert bulk == reference


@pytest.mark.django_db
def test_a_month_whose_pooled_units_have_no_open_hall_is_split_alike():
    """Every pool in a unit without an open hall (one closed in the month, one opening after it); the graded
    halls are in a unit without a pool."""
    CoefficientTableFactory()
    district = DistrictFactory()
    pooled, other = (MarketingUnitFactory(city=district.city) for _ in range(2))
    BonusPoolFactory(marketing_unit=pooled, month=MARCH, amount=Decimal("99.99"))
    HallFactory(district=district, marketing_unit=pooled, closed_on=dt.date(2026, 3, 20))
    HallFactory(district=district, marketing_unit=pooled, opened_on=dt.date(2026, 4, 1))
    published_month(MARCH, {HallFactory(district=district, marketing_unit=other): {}})

    reference, bulk = _both_splits()

    assert reference["units"] and not reference["halls"]
    assert [note["kind"] for note in reference["notes"]] == ["unit_no_pool", "unit_zero_weight"]
    assert bulk == reference


@settings(max_examples=300, deadline=None)
@given(
    groups=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**14 - 1),
            st.lists(
                st.tuples(st.integers(min_value=0, max_value=10**16), st.text("aAbB0_-", min_size=1, max_size=3)),
                max_size=6,
                unique_by=lambda part: part[1],
            ),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_largest_remainder_cents_agrees_with_split_by_weight(groups):
    totals, group, weights, keys = [], [], [], []
    for number, (total, parts) in enumerate(groups):
        totals.append(total)
        for weight, key in parts:
            group.append(number)
            weights.append(weight)
            keys.append(f"{number}{key}")  # keys unique overall; within a group they sort as the key
    ranks = np.argsort(np.argsort(np.array(keys, dtype=str), kind="stable"), kind="stable")

    cents, splittable = largest_remainder_cents(
        np.array(totals), np.array(group, dtype=np.int64), np.array(weights, dtype=np.int64), ranks
    )

    for number, (total, parts) in enumerate(groups):
        mine = {keys[i]: cents[i] for i in range(len(keys)) if group[i] == number}
        try:
            expected = split_by_weight(
                Decimal(total).scaleb(-2), {f"{number}{key}": Decimal(weight) for weight, key in parts}
            )
        except NothingToSplitBy:
            assert not splittable[number]
            assert all(value == 0 for value in mine.values())
            continue
        assert splittable[number]
        assert {key: Decimal(int(value)).scaleb(-2) for key, value in mine.items()} == expected


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(
        st.integers(min_value=0, max_value=10**16).flatmap(
            lambda whole: st.tuples(st.integers(min_value=0, max_value=whole), st.just(whole))
        ),
        min_size=1,
        max_size=8,
    )
)
def test_half_up_ratio_agrees_with_decimal_quantize(pairs):
    parts, wholes = (np.array(values, dtype=np.int64) for values in zip(*pairs, strict=True))

    ratios = half_up_ratio(parts, wholes, 8)

    for (part, whole), ratio in zip(pairs, ratios.tolist(), strict=True):
        expected = (
            (Decimal(part) / Decimal(whole)).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
            if whole
            else Decimal("0")
        )
        assert Decimal(ratio).scaleb(-8) == expected


def test_half_up_ratio_rounds_an_exact_half_up():
    # 1 / 200,000,000 = 0.000000005 exactly: half of the last place, which goes up; 3/8 = 0.375 exactly.
    assert half_up_ratio(np.array([1, 3]), np.array([200_000_000, 8]), 8).tolist() == [1, 37_500_000]
