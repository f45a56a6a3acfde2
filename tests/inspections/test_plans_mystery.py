"""Mystery visits are planned by quarter per vendor, and imported visits fulfil those lines in bulk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from halls.models import HallStatus
from inspections.models import Inspection, InspectionKind, InspectionState, PlanLine, PlanLineKind, PlanLineState
from inspections.services.plans import plan_lines_fulfil_by_visits, plans_make

APRIL = dt.date(2026, 4, 1)


def _visit(hall, scheme, vendor: str, external_id: str, when: dt.datetime) -> Inspection:
    return Inspection.objects.create(
        hall=hall, scheme=scheme, kind=InspectionKind.MYSTERY, state=InspectionState.SUBMITTED,
        inspected_at=timezone.make_aware(when), month=when.date().replace(day=1), vendor=vendor,
        external_id=external_id, points_awarded=Decimal("0"), points_applicable=Decimal("0"),
    )  # fmt: skip


def test_the_quarter_plans_one_visit_per_vendor_and_each_vendors_visit_fulfils_its_own(
    district_halls, small_scheme, policy
):
    _district, _manager, halls = district_halls
    hall = halls[HallStatus.EXEMPT]  # mystery visits go on for exempt halls too
    # Vendors are those whose visits were imported in the year before April.
    _visit(hall, small_scheme, "甲调研", "OLD-1", dt.datetime(2026, 1, 20, 10))
    _visit(hall, small_scheme, "乙调研", "OLD-2", dt.datetime(2026, 2, 20, 10))
    plans_make(month=APRIL, statuses={hall.pk: HallStatus.EXEMPT})
    assert sorted(PlanLine.objects.filter(hall=hall).values_list("kind", "vendor")) == [
        (PlanLineKind.MYSTERY, "乙调研"),
        (PlanLineKind.MYSTERY, "甲调研"),
    ]

    may = _visit(hall, small_scheme, "乙调研", "NEW-1", dt.datetime(2026, 5, 6, 10))
    assert plan_lines_fulfil_by_visits(inspection_ids=[may.pk]) == 1
    assert plan_lines_fulfil_by_visits(inspection_ids=[may.pk]) == 0  # the same visit fulfils one line, once

    done = PlanLine.objects.get(state=PlanLineState.DONE)
    assert (done.vendor, done.inspection, done.done_on) == ("乙调研", may, dt.date(2026, 5, 6))
    assert PlanLine.objects.get(vendor="甲调研").state == PlanLineState.PLANNED
