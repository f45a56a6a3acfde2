"""Monthly inspection plans: made from the statuses at publication, fulfilled by the checks entered, aged late
then missed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from halls.errors import ApplicationError
from halls.models import HallStatus
from inspections.models import InspectionPlan, PlanHall, PlanLine, PlanLineKind, PlanLineState
from inspections.services.coaching import coaching_visit_record
from inspections.services.plans import plan_lines_age, plans_make
from tests.inspections.factories import inspection_enter, publish_with_statuses

FEB = dt.date(2026, 2, 1)
MARCH = dt.date(2026, 3, 1)
FULL = {"A1.1": 25, "A1.2": 15, "A2.1": 20, "B1.1": 30, "B1.2": 10}


def _kinds(hall) -> Counter:
    return Counter(PlanLine.objects.filter(hall=hall).values_list("kind", flat=True))


def test_publishing_a_month_plans_the_next_month_from_each_halls_status(district_halls):
    district, manager, halls = district_halls

    publish_with_statuses(FEB, halls)

    plan = InspectionPlan.objects.get(district=district, month=MARCH)
    assert dict(PlanHall.objects.filter(plan=plan).values_list("hall__pk", "status")) == {
        hall.pk: status for status, hall in halls.items()
    }
    # Default policy: overt 1 / 2 / 4 a month (none when exempt), remote patrols 0 / 7 / 7 a week; March 2026
    # has 31 days, 5 Mondays (2, 9, 16, 23, 30) and 4 Fridays (6, 13, 20, 27); March opens no quarter.
    assert _kinds(halls[HallStatus.NORMAL]) == {PlanLineKind.OVERT: 1}
    assert _kinds(halls[HallStatus.EXEMPT]) == {}
    assert _kinds(halls[HallStatus.MONITORED]) == {PlanLineKind.OVERT: 2, PlanLineKind.REMOTE: 31}
    assert _kinds(halls[HallStatus.SUPERVISED]) == {
        PlanLineKind.OVERT: 4,
        PlanLineKind.REMOTE: 31,
        PlanLineKind.TEAM_VISIT: 5,
        PlanLineKind.COACHING_PLAN: 5,
        PlanLineKind.COACHING_REPORT: 4,
    }
    normal_overt = PlanLine.objects.get(hall=halls[HallStatus.NORMAL])
    assert normal_overt.due_date == dt.date(2026, 3, 31)
    assert normal_overt.inspector == manager
    assert normal_overt.scheme is not None
    # Two a month: the middle (ceil(31 / 2) = 16th) and the last day.
    assert list(
        PlanLine.objects.filter(hall=halls[HallStatus.MONITORED], kind=PlanLineKind.OVERT).values_list(
            "due_date", flat=True
        )
    ) == [dt.date(2026, 3, 16), dt.date(2026, 3, 31)]


def test_an_exempt_hall_has_no_overt_check_planned_and_an_overt_check_of_it_is_refused(district_halls, march):
    _district, manager, halls = district_halls
    publish_with_statuses(FEB, halls)
    exempt = halls[HallStatus.EXEMPT]

    assert not PlanLine.objects.filter(hall=exempt, kind=PlanLineKind.OVERT).exists()
    with pytest.raises(ApplicationError, match="免检"):
        inspection_enter(user=manager, hall=exempt, scheme=None, values={}, kind="overt")


def test_a_remote_patrol_fulfils_the_line_due_that_day(district_halls, march, small_scheme):
    _district, manager, halls = district_halls
    publish_with_statuses(FEB, halls)
    monitored = halls[HallStatus.MONITORED]

    patrol = inspection_enter(user=manager, hall=monitored, scheme=small_scheme, values=FULL, kind="remote")

    line = PlanLine.objects.get(inspection=patrol)
    assert (line.kind, line.due_date, line.state, line.done_on) == (
        PlanLineKind.REMOTE,
        dt.date(2026, 3, 10),
        PlanLineState.DONE,
        dt.date(2026, 3, 10),
    )
    assert PlanLine.objects.filter(hall=monitored, kind=PlanLineKind.REMOTE, state=PlanLineState.DONE).count() == 1


def test_an_overt_check_fulfils_the_next_line_due_and_then_the_one_after(district_halls, march, small_scheme):
    _district, manager, halls = district_halls
    publish_with_statuses(FEB, halls)
    monitored = halls[HallStatus.MONITORED]

    first = inspection_enter(user=manager, hall=monitored, scheme=small_scheme, values=FULL, when="2026-03-03 10:00")
    second = inspection_enter(user=manager, hall=monitored, scheme=small_scheme, values=FULL, when="2026-03-04 10:00")

    assert PlanLine.objects.get(inspection=first).due_date == dt.date(2026, 3, 16)
    assert PlanLine.objects.get(inspection=second).due_date == dt.date(2026, 3, 31)


def test_a_line_not_done_is_reported_late_then_missed_and_a_second_run_changes_nothing(district_halls):
    _district, _manager, halls = district_halls
    publish_with_statuses(FEB, halls)
    line = PlanLine.objects.get(hall=halls[HallStatus.NORMAL])  # the overt check due 2026-03-31

    plan_lines_age(today=dt.date(2026, 3, 31))
    line.refresh_from_db()
    assert line.state == PlanLineState.PLANNED
    plan_lines_age(today=dt.date(2026, 4, 1))
    line.refresh_from_db()
    assert line.state == PlanLineState.MISSED
    assert plan_lines_age(today=dt.date(2026, 4, 1)) == {"late": 0, "missed": 0}


def test_a_daily_patrol_not_done_is_late_the_next_day_and_missed_after_the_month(district_halls):
    _district, _manager, halls = district_halls
    publish_with_statuses(FEB, halls)
    patrol = PlanLine.objects.get(hall=halls[HallStatus.MONITORED], kind=PlanLineKind.REMOTE, due_date="2026-03-09")

    plan_lines_age(today=dt.date(2026, 3, 10))
    patrol.refresh_from_db()
    assert patrol.state == PlanLineState.LATE
    plan_lines_age(today=dt.date(2026, 4, 1))
    patrol.refresh_from_db()
    assert patrol.state == PlanLineState.MISSED


def test_a_late_line_is_still_fulfilled_by_a_check_entered_later_in_the_month(district_halls, march, small_scheme):
    _district, manager, halls = district_halls
    publish_with_statuses(FEB, halls)
    plan_lines_age(today=dt.date(2026, 3, 10))
    supervised = halls[HallStatus.SUPERVISED]
    monday_plan = PlanLine.objects.get(hall=supervised, kind=PlanLineKind.COACHING_PLAN, due_date="2026-03-02")
    assert monday_plan.state == PlanLineState.LATE

    coaching_visit_record(
        user=manager, hall=supervised, kind="plan", visit_date=dt.date(2026, 3, 3), content="本周辅导排队"
    )

    monday_plan.refresh_from_db()
    assert (monday_plan.state, monday_plan.done_on) == (PlanLineState.DONE, dt.date(2026, 3, 3))


def test_a_team_visit_and_a_friday_report_fulfil_their_lines(district_halls, march):
    _district, manager, halls = district_halls
    publish_with_statuses(FEB, halls)
    supervised = halls[HallStatus.SUPERVISED]

    coaching_visit_record(
        user=manager, hall=supervised, kind="team_visit", visit_date=dt.date(2026, 3, 9), content="驻点：叫号混乱"
    )
    coaching_visit_record(
        user=manager, hall=supervised, kind="report", visit_date=dt.date(2026, 3, 6), content="周五报告"
    )

    done = PlanLine.objects.filter(hall=supervised, state=PlanLineState.DONE)
    assert sorted(done.values_list("kind", "due_date")) == [
        (PlanLineKind.COACHING_REPORT, dt.date(2026, 3, 6)),
        (PlanLineKind.TEAM_VISIT, dt.date(2026, 3, 9)),
    ]


def test_remaking_a_plan_after_a_regrading_keeps_what_was_done_and_plans_it_once(district_halls, march, small_scheme):
    _district, manager, halls = district_halls
    publish_with_statuses(FEB, halls)
    normal = halls[HallStatus.NORMAL]
    inspection_enter(user=manager, hall=normal, scheme=small_scheme, values=FULL)

    # The re-grading makes the normal hall monitored: two overt checks due, one of them done already.
    plans_make(month=MARCH, statuses={normal.pk: HallStatus.MONITORED})

    overt = PlanLine.objects.filter(hall=normal, kind=PlanLineKind.OVERT)
    assert sorted(overt.values_list("state", flat=True)) == [PlanLineState.DONE, PlanLineState.PLANNED]
    assert PlanHall.objects.get(hall=normal).status == HallStatus.MONITORED


def test_the_first_month_of_a_quarter_plans_a_mystery_visit_for_every_hall_even_exempt(district_halls, policy):
    _district, _manager, halls = district_halls

    plans_make(month=dt.date(2026, 4, 1), statuses={hall.pk: status for status, hall in halls.items()})

    mystery = PlanLine.objects.filter(kind=PlanLineKind.MYSTERY)
    assert sorted(mystery.values_list("hall_id", flat=True)) == sorted(hall.pk for hall in halls.values())
    assert set(mystery.values_list("due_date", flat=True)) == {dt.date(2026, 6, 30)}
