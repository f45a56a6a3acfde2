"""A monitored hall that does not improve is warned about level by level until it does (逐级预警通知，直至改善)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from halls.models import HallStatus, Notification
from inspections.models import EscalationLevel, EscalationWarning, WarningSubject
from inspections.services.escalation import monitored_halls_escalate
from inspections.services.plans import plans_make
from tests.factories import city_manager, hq_user

FEB, MARCH = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture
def bottom_twice(district_halls, policy):
    """The monitored hall is at the bottom in February and again in March; the supervised one only in March."""
    district, manager, halls = district_halls
    city_manager(district.city, username="cm")
    hq_user(username="hq")
    plans_make(month=FEB, statuses={halls[HallStatus.MONITORED].pk: HallStatus.MONITORED})
    plans_make(month=MARCH, statuses={hall.pk: status for status, hall in halls.items()})
    return {**halls, "manager": manager}


def _levels(hall) -> list[tuple[str, int]]:
    rows = EscalationWarning.objects.filter(subject=WarningSubject.MONITORED_HALL, hall=hall).order_by("sent_on")
    return [(f"{w.sent_on:%m-%d}", w.level) for w in rows]


def test_a_hall_at_the_bottom_two_months_running_climbs_district_city_hq_and_is_repeated(bottom_twice):
    # Not improved since 1 March (its first day overdue): district that day, city once more than 3 days (03-04),
    # HQ once more than 7 (03-08), then again every 3 days (03-11).
    for day in range(1, 12):
        monitored_halls_escalate(today=dt.date(2026, 3, day))

    assert _levels(bottom_twice[HallStatus.MONITORED]) == [
        ("03-01", EscalationLevel.DISTRICT),
        ("03-04", EscalationLevel.CITY),
        ("03-08", EscalationLevel.HQ),
        ("03-11", EscalationLevel.HQ),
    ]
    # A hall only just put at the bottom has had no month to improve yet.
    assert _levels(bottom_twice[HallStatus.SUPERVISED]) == []
    manager = bottom_twice["manager"]
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {manager.username, "cm", "hq"}


def test_a_second_run_on_the_same_day_changes_nothing(bottom_twice):
    assert monitored_halls_escalate(today=dt.date(2026, 3, 4)) == {1: 1, 2: 0, 3: 0}
    before = (list(EscalationWarning.objects.values_list()), Notification.objects.count())

    assert monitored_halls_escalate(today=dt.date(2026, 3, 4)) == {1: 0, 2: 0, 3: 0}
    assert (list(EscalationWarning.objects.values_list()), Notification.objects.count()) == before


def test_a_hall_that_left_the_bottom_is_no_longer_warned(bottom_twice):
    monitored = bottom_twice[HallStatus.MONITORED]
    monitored_halls_escalate(today=dt.date(2026, 3, 1))
    # April's grading lifted it: normal in April.
    plans_make(month=dt.date(2026, 4, 1), statuses={monitored.pk: HallStatus.NORMAL})

    assert monitored_halls_escalate(today=dt.date(2026, 4, 2)) == {1: 0, 2: 0, 3: 0}


def test_the_compliance_page_shows_the_halls_not_improving(client, bottom_twice, march):
    monitored_halls_escalate(today=dt.date(2026, 3, 1))
    client.force_login(hq_user())

    page = client.get(reverse("inspections:plan_compliance") + "?month=2026-03").content.decode()

    assert bottom_twice[HallStatus.MONITORED].code in page.split('id="not-improving"')[1].split("</ul>")[0]
