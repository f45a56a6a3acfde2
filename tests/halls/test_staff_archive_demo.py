"""The demo names clerks on duty in its inspections' findings, so the staff pages have something to show."""

from __future__ import annotations

import datetime as dt

import pytest

from inspections.demo import demo_inspections_seed
from inspections.models import InspectionItem
from inspections.services.tree import default_tree_load
from scoring.selectors.staff import finding_q
from tests.factories import HallFactory, StaffFactory


@pytest.fixture
def halls(db):
    from scoring.services import default_policy_load

    default_tree_load()
    default_policy_load()
    return [HallFactory() for _ in range(3)]


def test_demo_findings_name_clerks_of_the_hall_on_duty_that_month_and_only_findings(halls):
    for hall in halls:
        StaffFactory(hall=hall, active_from=dt.date(2020, 1, 1))
        StaffFactory(hall=hall, active_from=dt.date(2020, 1, 1), active_to=dt.date(2026, 1, 31))
    demo_inspections_seed(halls=halls, months=3, seed=5, today=dt.date(2026, 3, 20))
    named = InspectionItem.objects.filter(staff__isnull=False).select_related("staff", "inspection")
    assert named.exists()
    for item in named:
        assert item.staff.hall_id == item.inspection.hall_id
        assert item.staff.active_to is None or item.staff.active_to >= item.inspection.month
    # Only findings are named: no full-marks or N/A item carries a clerk.
    assert not named.exclude(finding_q()).exists()
