"""The plans on the pages: today's work on the district (and city) home, the plan a district edits, and the
plans' compliance for HQ and the cities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from halls.errors import ApplicationError
from halls.models import HallStatus
from halls.selectors import scope_for
from inspections.models import Inspection, InspectionKind, InspectionState, PlanLine, PlanLineKind, PlanLineState
from inspections.plan_selectors import plan_compliance
from inspections.services.plans import plan_line_update, plan_lines_age
from tests.factories import city_manager, district_manager, hq_user
from tests.inspections.factories import inspection_enter, publish_with_statuses
from tests.inspections.test_plans import FEB, FULL, MARCH


@pytest.fixture
def published(district_halls):
    publish_with_statuses(FEB, district_halls[2])
    return district_halls


def test_the_district_home_lists_todays_patrols_with_the_weakest_indicators_and_opens_the_entry_page(
    client, published, march, small_scheme
):
    _district, manager, halls = published
    monitored = halls[HallStatus.MONITORED]
    # A1.1 lost 20 of its 25 points on 3 March: the hall's weakest indicator, today's focus.
    inspection_enter(
        user=manager, hall=monitored, scheme=small_scheme, values={**FULL, "A1.1": 5}, when="2026-03-03 10:00"
    )
    client.force_login(manager)

    page = client.get(reverse("scoring:district_home")).content.decode()

    patrols = page.split('id="patrols-today"')[1].split("</ul>")[0]
    assert monitored.code in patrols
    assert "甲一一" in patrols
    assert f"{reverse('inspections:start', args=[monitored.pk])}?kind=remote" in patrols
    entry = client.get(reverse("inspections:start", args=[monitored.pk]) + "?kind=remote").content.decode()
    assert 'value="remote" selected' in entry or 'value="remote" checked' in entry


def test_the_district_home_lists_checks_due_this_week_and_overdue_ones(client, published, march):
    _district, manager, halls = published
    plan_lines_age(today=dt.date(2026, 3, 10))
    client.force_login(manager)

    page = client.get(reverse("scoring:district_home")).content.decode()

    # Supervised hall: the coaching report due Friday 13 March is this week's; Monday 9's plan is overdue.
    week = page.split('id="due-this-week"')[1].split("</ul>")[0]
    overdue = page.split('id="plan-overdue"')[1].split("</ul>")[0]
    assert 'data-kind="coaching_report"' in week
    assert 'data-kind="coaching_plan"' in overdue


def test_the_city_home_shows_todays_work_of_its_districts(client, published, march):
    district, _manager, halls = published
    client.force_login(city_manager(district.city))

    page = client.get(reverse("scoring:district_home")).content.decode()

    assert halls[HallStatus.MONITORED].code in page.split('id="patrols-today"')[1].split("</ul>")[0]


def test_compliance_counts_each_district_and_city_and_names_the_halls_that_broke_their_plan(published, march):
    district, _manager, halls = published
    plan_lines_age(today=dt.date(2026, 3, 10))
    exempt = halls[HallStatus.EXEMPT]
    # An overt check of the exempt hall that did not go through entry (imported, or entered before the
    # status was known): the exemption was breached.
    breach = Inspection.objects.create(
        hall=exempt, scheme_id=PlanLine.objects.exclude(scheme=None).first().scheme_id, kind=InspectionKind.OVERT,
        state=InspectionState.SUBMITTED, inspected_at=timezone.now(), month=MARCH,
    )  # fmt: skip

    compliance = plan_compliance(scope=scope_for(hq_user()), month=MARCH)

    # Late by 10 March: monitored 9 patrols (1-9); supervised 9 patrols, its first of 4 overt checks (due
    # ceil(31 / 4) = 8 March), 2 Monday plans (2, 9), 1 Friday report (6), 2 team visits (2, 9):
    # 9 + 9 + 1 + 2 + 1 + 2 = 24 of 83 lines (normal 1 + monitored 2 + 31
    # + supervised 4 + 31 + 5 + 5 + 4).
    (row,) = compliance.districts
    assert (row.month, row.district, row.planned, row.done, row.late, row.missed) == (
        MARCH, district.name, 83, 0, 24, 0
    )  # fmt: skip
    (city,) = compliance.cities
    assert (city.city, city.planned, city.late) == (district.city.name, 83, 24)
    assert [(row["hall_id"], row["not_done"]) for row in compliance.patrols_not_done] == [
        (halls[HallStatus.MONITORED].pk, 9)
    ]
    assert compliance.exempt_inspected == [breach]


def test_compliance_of_a_city_leaves_out_the_districts_of_other_cities(published, march):
    district, _manager, _halls = published
    other_city_manager = city_manager(district.city.__class__.objects.create(code="ZZ", name="别的地市"))

    assert plan_compliance(scope=scope_for(other_city_manager), month=MARCH).districts == []
    assert len(plan_compliance(scope=scope_for(city_manager(district.city)), month=MARCH).districts) == 1


def test_the_district_reassigns_a_line_but_cannot_move_it_out_of_its_month(published, march):
    district, manager, halls = published
    colleague = district_manager(district)
    line = PlanLine.objects.get(hall=halls[HallStatus.NORMAL], kind=PlanLineKind.OVERT)

    plan_line_update(
        scope=scope_for(manager), line_id=line.pk, inspector_id=colleague.pk, due_date=dt.date(2026, 3, 20)
    )

    line.refresh_from_db()
    assert (line.inspector, line.due_date) == (colleague, dt.date(2026, 3, 20))
    with pytest.raises(ApplicationError, match="完成期限须在"):
        plan_line_update(scope=scope_for(manager), line_id=line.pk, inspector_id=None, due_date=dt.date(2026, 4, 2))
    outsider = district_manager()
    with pytest.raises(ApplicationError, match="检查人须是"):
        plan_line_update(
            scope=scope_for(manager), line_id=line.pk, inspector_id=outsider.pk, due_date=dt.date(2026, 3, 20)
        )


def test_a_district_manager_of_another_district_cannot_touch_the_plan(published, march):
    _district, _manager, halls = published
    line = PlanLine.objects.get(hall=halls[HallStatus.NORMAL], kind=PlanLineKind.OVERT)

    with pytest.raises(ApplicationError, match="没有该计划检查"):
        plan_line_update(
            scope=scope_for(district_manager()), line_id=line.pk, inspector_id=None, due_date=dt.date(2026, 3, 20)
        )
    assert PlanLine.objects.get(pk=line.pk).state == PlanLineState.PLANNED


def test_the_plan_page_shows_each_halls_status_and_line(client, published, march):
    district, manager, halls = published
    client.force_login(manager)
    plan = PlanLine.objects.first().plan

    page = client.get(reverse("inspections:plan_detail", args=[plan.pk])).content.decode()
    listing = client.get(reverse("inspections:plan_list") + "?month=2026-03").content.decode()

    assert "全方位监控厅" in page and "督办厅" in page
    assert page.count("data-line=") == 83
    assert f'data-district="{district.code}"' in listing
