from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from inspections.services.tree import scheme_create_from_spec

# A small hand-made tree:
#
#   A  (60)                 B  (40)            V  veto     X  deduction 2    P  bonus 1
#   ├── A1 (40)             └── B1 (40)
#   │   ├── A1.1  25            ├── B1.1  30
#   │   └── A1.2  15            └── B1.2  10 (may be N/A)
#   └── A2 (20)
#       └── A2.1  20
SMALL_TREE = [
    (
        "A",
        "甲",
        "A",
        60,
        "scored",
        False,
        [
            (
                "A1",
                "甲一",
                "A one",
                40,
                "scored",
                False,
                [
                    ("A1.1", "甲一一", "A1.1", 25, "scored", False, []),
                    ("A1.2", "甲一二", "A1.2", 15, "scored", False, []),
                ],
            ),
            (
                "A2",
                "甲二",
                "A two",
                20,
                "scored",
                False,
                [
                    ("A2.1", "甲二一", "A2.1", 20, "scored", False, []),
                ],
            ),
        ],
    ),
    (
        "B",
        "乙",
        "B",
        40,
        "scored",
        False,
        [
            (
                "B1",
                "乙一",
                "B one",
                40,
                "scored",
                False,
                [
                    ("B1.1", "乙一一", "B1.1", 30, "scored", False, []),
                    ("B1.2", "乙一二", "B1.2", 10, "scored", True, []),
                ],
            ),
        ],
    ),
    ("V", "否决", "Veto", None, "veto", False, []),
    ("X", "扣分", "Deduction", 2, "deduction", False, []),
    ("P", "加分", "Bonus", 1, "bonus", False, []),
]


@pytest.fixture
def small_scheme(db):
    """The small tree above, active from January 2026."""
    return scheme_create_from_spec(spec=SMALL_TREE, name="小树", effective_from=dt.date(2026, 1, 1), activate=True)


FULL_MARKS = {"A1.1": 25, "A1.2": 15, "A2.1": 20, "B1.1": 30, "B1.2": 10}


@pytest.fixture
def policy(db):
    from scoring.services import default_policy_load

    return default_policy_load()[0]


@pytest.fixture
def march(time_machine):
    """The clock at Tuesday 2026-03-10 12:00 in Shanghai: March is open for evidence."""
    time_machine.move_to(dt.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture
def district_halls(db, small_scheme):
    """One district with a manager and four halls, one per status ({status: hall}) they will carry."""
    from halls.models import HallStatus
    from tests.factories import DistrictFactory, HallFactory, district_manager

    district = DistrictFactory()
    manager = district_manager(district)
    halls = {status: HallFactory(district=district) for status in HallStatus.values}
    return district, manager, halls
