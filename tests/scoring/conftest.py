from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from halls.models import HallKind
from inspections.models import IndicatorScheme
from inspections.services.tree import scheme_activate, scheme_copy_to_draft, scheme_create_from_spec
from scoring.models import GradingPolicy, PolicyState
from surveys.models import AdjustmentKind
from tests.factories import CityFactory, DistrictFactory, HallFactory, hq_user
from tests.inspections.conftest import SMALL_TREE
from tests.scoring.factories import adjustment_add, complaint_add, inspection_add, response_add, visit_add

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@dataclass
class Province:
    halls: dict[int, object]
    v1: IndicatorScheme
    v2: IndicatorScheme
    policy: GradingPolicy
    hq: object
    codes: dict[int, int] = field(default_factory=dict)

    def no(self, hall_id: int) -> int:
        """The hall's number in the drawing (h1 … h12) from its id."""
        return {hall.pk: number for number, hall in self.halls.items()}[hall_id]


def _evidence(p: Province, month: dt.date, number: int, *, m=None, s=None, i=None, scheme=None, applicable=100):
    """Mystery m %, satisfaction index s (one response of s/10 on a 10-point scale), inspection i % of
    ``applicable`` points (the v2 tree's inspections are stored out of 50)."""
    hall = p.halls[number]
    scheme = scheme or p.v1
    if m is not None:
        visit_add(hall, month, scheme=scheme, awarded=m, applicable=100)
    if s is not None:
        response_add(hall, month, overall=Decimal(str(s)) / 10)
    if i is not None:
        inspection_add(hall, month, scheme=scheme, awarded=Decimal(str(i)) * applicable / 100, applicable=applicable)


@pytest.fixture
def province(db) -> Province:
    """One city, two districts, twelve halls, three months (January–March 2026).

    city
    ├── district D1: h1 (self-run), h2 (partner), h3 (self), h4 (partner), h5 (self), h6 (partner)
    └── district D2: h7 (self), h8 (partner), h9 (self), h10 (partner), h11 (self), h12 (partner, opens 10 Feb)

    Policy: weights mystery 40 / satisfaction 30 / inspection 20 / complaints 10; complaint 100 − 20 × n;
    bonus cap 5; veto cap 59; A ≥ 90, B ≥ 80, C ≥ 70; top and bottom share 20 % (rank ≤ size × 20 %);
    two consecutive months; improvement threshold 3.
    Tree v1 (100 points) governs January and February; tree v2 (inspections stored out of 50) March.
    """
    city = CityFactory()
    d1, d2 = DistrictFactory(city=city, code="D1"), DistrictFactory(city=city, code="D2")
    halls = {}
    for number in range(1, 13):
        halls[number] = HallFactory(
            code=f"h{number:02d}",
            district=d1 if number <= 6 else d2,
            kind=HallKind.SELF_RUN if number % 2 else HallKind.PARTNER,
            opened_on=dt.date(2026, 2, 10) if number == 12 else dt.date(2020, 1, 1),
        )
    v1 = scheme_create_from_spec(spec=SMALL_TREE, name="v1", effective_from=JAN, activate=True)
    v2 = scheme_activate(scheme=scheme_copy_to_draft(scheme=v1, effective_from=MAR, name="v2"))
    policy = GradingPolicy.objects.create(
        version=1, effective_from=dt.date(2025, 1, 1), state=PolicyState.ACTIVE, top_share=20, bottom_share=20
    )
    p = Province(halls=halls, v1=v1, v2=v2, policy=policy, hq=hq_user(username="hq_grader"))

    # January (h12 not open yet).
    _evidence(p, JAN, 1, m=95, s=90, i=95)
    _evidence(p, JAN, 2, m=92, s=90, i=90)
    _evidence(p, JAN, 3, m=85, s=80, i=80)
    _evidence(p, JAN, 4, m=85, s=80, i=80)
    _evidence(p, JAN, 5, s=80, i=90)  # no mystery visit
    _evidence(p, JAN, 6, m=90, s=90)
    inspection_add(halls[6], JAN, scheme=v1, awarded=90, applicable=100, vetoed=True)  # a veto item
    _evidence(p, JAN, 7, m=80, s=80)
    inspection_add(halls[7], JAN, scheme=v1, awarded=80, applicable=100, bonus=3)
    adjustment_add(halls[7], JAN, kind=AdjustmentKind.BONUS, points=4)  # 3 + 4 = 7, capped at 5
    _evidence(p, JAN, 8, m=75, s=70, i=70)
    complaint_add(halls[8], JAN)
    complaint_add(halls[8], JAN)
    _evidence(p, JAN, 9, m=60, s=60, i=60)
    complaint_add(halls[9], JAN)
    complaint_add(halls[9], JAN, substantiated=False)
    adjustment_add(halls[9], JAN, kind=AdjustmentKind.DEDUCTION, points=2)
    _evidence(p, JAN, 10, m=55, s=60, i=50)
    complaint_add(halls[11], JAN, substantiated=False)  # h11: a complaint, but no evidence to grade

    # February.
    _evidence(p, FEB, 1, m=96, s=92, i=95)
    _evidence(p, FEB, 2, m=94, s=90, i=90)
    _evidence(p, FEB, 3, m=85, s=80, i=80)
    _evidence(p, FEB, 4, m=80, s=80, i=80)
    _evidence(p, FEB, 5, m=80, s=80, i=80)
    _evidence(p, FEB, 6, m=88, s=80, i=80)
    _evidence(p, FEB, 7, m=80, s=80, i=80)
    _evidence(p, FEB, 8, m=75, s=70, i=70)
    _evidence(p, FEB, 9, m=61, s=60, i=60)
    _evidence(p, FEB, 10, m=56, s=60, i=50)
    _evidence(p, FEB, 12, m=70, s=90)  # no inspection yet

    # March, on tree v2.
    for number, (m, s, i) in {
        1: (80, 80, 80),
        2: (95, 90, 95),
        3: (90, 90, 90),
        4: (80, 80, 80),
        5: (80, 80, 80),
        6: (85, 80, 80),
        7: (80, 80, 80),
        8: (75, 70, 70),
        9: (70, 70, 70),
        10: (80, 80, 80),
        12: (60, 60, 60),
    }.items():
        _evidence(p, MAR, number, m=m, s=s, i=i, scheme=v2, applicable=50)
    return p
