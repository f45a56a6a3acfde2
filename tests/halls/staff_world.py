"""A drawn province for the staff-accountability tests, with March 2026's findings entered through the service.

    city 石家庄 ── marketing unit U1 ──┬── hall H1 (district D1): clerks a, b, c      (+ g, left in February)
                                       └── hall H2 (district D2): clerks d, e, f
    city 保定  ── marketing unit U2 ─── hall H3 (district D3): clerk z

March 2026, one overt inspection per hall on the small tree (tests/inspections/conftest.py), naming clerks:

    H1: A1.1 20 of 25 → a (lost 5) · A1.2 15 of 15 → b (full: no finding) · X deduction 2 → b · veto V → c
    H2: A2.1 17 of 20 → d (lost 3) · bonus P 1 → e (a customer's praise)

Staff scores (100 − lost − deductions − 20 per veto + bonus) and service points:

    a 95 (50) · b 98 (40) · c 80 (60) · d 97 (30) · e 101 (10) · f 100 (25)

Unit U1's ranking, score then points: e 1, f 2, b 3, d 4, a 5, c 6; hall H1: b 1, a 2, c 3; H2: e 1, f 2, d 3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from halls.models import GradingPolicy, Hall, Staff
from inspections.models import Indicator
from inspections.services.entry import ItemEntry, inspection_save, inspection_start
from inspections.services.tree import scheme_create_from_spec
from scoring.services import default_policy_load
from surveys.models import StaffServicePoints
from tests.factories import (
    CityFactory,
    DistrictFactory,
    HallFactory,
    MarketingUnitFactory,
    StaffFactory,
    district_manager,
)
from tests.inspections.conftest import FULL_MARKS, SMALL_TREE
from tests.inspections.factories import at

MARCH = dt.date(2026, 3, 1)


@dataclass
class StaffWorld:
    h1: Hall
    h2: Hall
    h3: Hall
    staff: dict[str, Staff]
    policy: GradingPolicy
    scheme: object
    inspector_h1: object
    inspector_h2: object


def entries(scheme, values: dict[str, tuple]) -> dict[int, ItemEntry]:
    """Entries by indicator code: (points, clerk), ("na",), ("veto", reason, clerk)."""
    by_code = {ind.code: ind for ind in Indicator.objects.filter(scheme=scheme)}
    out = {}
    for code, value in values.items():
        if value[0] == "na":
            out[by_code[code].pk] = ItemEntry(not_applicable=True)
        elif value[0] == "veto":
            out[by_code[code].pk] = ItemEntry(vetoed=True, note=value[1], staff_id=value[2])
        else:
            out[by_code[code].pk] = ItemEntry(points=Decimal(str(value[0])), staff_id=value[1])
    return out


def enter(*, user, hall, scheme, values: dict[str, tuple], when: str = "2026-03-10 10:00"):
    inspection = inspection_start(user=user, hall=hall, kind="overt", inspected_at=at(when))
    return inspection_save(
        inspection_id=inspection.pk,
        user=user,
        lock_version=inspection.lock_version,
        entries=entries(scheme, values),
        submit=True,
    )


def staff_world_build() -> StaffWorld:
    policy = default_policy_load()[0]
    scheme = scheme_create_from_spec(spec=SMALL_TREE, name="小树", effective_from=dt.date(2026, 1, 1), activate=True)
    city, other_city = CityFactory(name="石家庄"), CityFactory(name="保定")
    unit, other_unit = MarketingUnitFactory(city=city), MarketingUnitFactory(city=other_city)
    d1, d2, d3 = DistrictFactory(city=city), DistrictFactory(city=city), DistrictFactory(city=other_city)
    h1 = HallFactory(district=d1, marketing_unit=unit)
    h2 = HallFactory(district=d2, marketing_unit=unit)
    h3 = HallFactory(district=d3, marketing_unit=other_unit)
    staff = {name: StaffFactory(hall=h1, name=f"营业员{name}") for name in "abc"}
    staff |= {name: StaffFactory(hall=h2, name=f"营业员{name}") for name in "def"}
    staff["g"] = StaffFactory(hall=h1, name="营业员g", active_to=dt.date(2026, 2, 20))
    staff["z"] = StaffFactory(hall=h3, name="营业员z")
    for name, points in {"a": 50, "b": 40, "c": 60, "d": 30, "e": 10, "f": 25, "z": 5}.items():
        StaffServicePoints.objects.create(staff=staff[name], month=MARCH, points=Decimal(points))
    inspector_h1, inspector_h2 = district_manager(d1), district_manager(d2)
    full = {code: (points, None) for code, points in FULL_MARKS.items()}
    enter(
        user=inspector_h1,
        hall=h1,
        scheme=scheme,
        values=full
        | {
            "A1.1": (20, staff["a"].pk),
            "A1.2": (15, staff["b"].pk),
            "X": (2, staff["b"].pk),
            "V": ("veto", "与客户争吵", staff["c"].pk),
        },
    )
    enter(
        user=inspector_h2,
        hall=h2,
        scheme=scheme,
        values=full | {"A2.1": (17, staff["d"].pk), "P": (1, staff["e"].pk)},
    )
    return StaffWorld(
        h1=h1,
        h2=h2,
        h3=h3,
        staff=staff,
        policy=policy,
        scheme=scheme,
        inspector_h1=inspector_h1,
        inspector_h2=inspector_h2,
    )
