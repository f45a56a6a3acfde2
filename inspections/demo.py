"""Demo evidence: 1–3 submitted overt or remote inspections per hall per month, with their totals and
rectifications. Deterministic for a seed; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from halls.models import Hall, Role, Staff, UserProfile
from halls.months import month_add, month_start
from halls.selectors import policy_in_force
from inspections.models import (
    IndicatorKind,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionState,
    Rectification,
    RectificationState,
)
from inspections.selectors import scheme_in_force, scheme_leaves
from inspections.services.rectification import rectifications_open_for
from inspections.services.totals import totals_compute

HALF = Decimal("0.5")
NOTES = ["工牌未佩戴", "等候区座椅不足", "未主动迎送", "宣传资料过期", "地面有纸屑", "未主动推荐", "办理超时"]


def _points(rng: random.Random, maximum: Decimal) -> Decimal:
    if rng.random() < 0.8:
        return maximum
    steps = int(maximum / HALF)
    return maximum - HALF * rng.randint(1, max(1, steps // 2))


def _dm_by_district(halls: list[Hall]) -> dict[int, int]:
    """The first district manager of each district (the inspector of its demo inspections)."""
    rows = (
        UserProfile.objects.filter(role=Role.DISTRICT_MANAGER, districts__in={h.district_id for h in halls})
        .order_by("user_id")
        .values_list("districts", "user_id")
    )
    result: dict[int, int] = {}
    for district_id, user_id in rows:
        result.setdefault(district_id, user_id)
    return result


@transaction.atomic
def _clerks_by_hall(halls: list[Hall]) -> dict[int, list[tuple[int, dt.date, dt.date | None]]]:
    by_hall: dict[int, list[tuple[int, dt.date, dt.date | None]]] = {}
    rows = Staff.objects.filter(hall__in=halls).order_by("pk").values_list("hall_id", "pk", "active_from", "active_to")
    for hall_id, pk, start, end in rows:
        by_hall.setdefault(hall_id, []).append((pk, start, end))
    return by_hall


def _clerks_name(items: list[InspectionItem], rng: random.Random, clerks: list, month: dt.date) -> None:
    """Name a clerk on duty that month in about two findings of three (the rest: nobody was singled out)."""
    after = month_add(month, 1)
    on_duty = [pk for pk, start, end in clerks if start < after and (end is None or end >= month)]
    if not on_duty:
        return
    for item in items:
        kind = item.indicator.kind
        found = (
            (kind == IndicatorKind.SCORED and not item.not_applicable and item.points < item.max_points)
            or kind == IndicatorKind.VETO
            or kind == IndicatorKind.DEDUCTION
        )
        if found and rng.random() < 0.65:
            item.staff_id = rng.choice(on_duty)


def demo_inspections_seed(*, halls: list[Hall], months: int, seed: int, today: dt.date) -> int:
    """Inspections for the ``months`` months up to ``today``'s; how many were created."""
    current = month_start(today)
    month_list = [month_add(current, -back) for back in range(months - 1, -1, -1)]
    kinds = (InspectionKind.OVERT, InspectionKind.REMOTE)
    if Inspection.objects.filter(hall__in=halls, month__in=month_list, kind__in=kinds).exists():
        return 0
    rng = random.Random(seed)
    # A second generator names the clerk on duty in findings, so the inspections themselves stay as they were.
    clerk_rng = random.Random(seed + 1)
    clerks = _clerks_by_hall(halls)
    inspectors = _dm_by_district(halls)
    planned: list[tuple[Inspection, list[InspectionItem]]] = []
    for month in month_list:
        scheme = scheme_in_force(on=month)
        leaves = scheme_leaves(scheme_id=scheme.pk)
        last_day = (month_add(month, 1) - dt.timedelta(days=1)).day if month < current else today.day - 1
        if last_day < 1:  # the first of the month: nothing inspected yet
            continue
        for hall in sorted(halls, key=lambda h: h.code):
            for _ in range(rng.randint(1, 3)):
                day = dt.date(month.year, month.month, rng.randint(1, last_day))
                inspected_at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 17), 0)))
                items = []
                for ind in leaves:
                    if ind.kind == IndicatorKind.SCORED:
                        if ind.allow_na and rng.random() < 0.1:
                            items.append(InspectionItem(indicator=ind, max_points=ind.points, not_applicable=True))
                        else:
                            points = _points(rng, ind.points)
                            note = rng.choice(NOTES) if points < ind.points else ""
                            items.append(InspectionItem(indicator=ind, points=points, max_points=ind.points, note=note))
                    elif ind.kind == IndicatorKind.VETO and rng.random() < 0.005:
                        items.append(InspectionItem(indicator=ind, note="与客户发生争执"))
                    elif ind.kind in (IndicatorKind.DEDUCTION, IndicatorKind.BONUS) and rng.random() < 0.05:
                        items.append(InspectionItem(indicator=ind, points=ind.points, max_points=ind.points))
                _clerks_name(items, clerk_rng, clerks.get(hall.pk, []), month)
                totals = totals_compute(
                    (item.indicator.totals_kind, item.points, item.max_points, item.not_applicable) for item in items
                )
                inspection = Inspection(
                    hall=hall,
                    scheme=scheme,
                    kind=rng.choice(kinds),
                    inspected_at=inspected_at,
                    month=month,
                    state=InspectionState.SUBMITTED,
                    inspector_id=inspectors.get(hall.district_id),
                    submitted_at=inspected_at + dt.timedelta(hours=1),
                    **totals.__dict__,
                )
                planned.append((inspection, items))
    created = Inspection.objects.bulk_create([inspection for inspection, _ in planned], batch_size=1000)
    for inspection, items in planned:
        for item in items:
            item.inspection = inspection
    InspectionItem.objects.bulk_create([item for _, items in planned for item in items], batch_size=2000)
    due_days = policy_in_force(month=current).rectification_due_days
    ids = [inspection.pk for inspection in created]
    rectifications_open_for(inspection_ids=ids, due_days=due_days)
    # Older rectifications were fixed and verified long ago; only recent ones are still open.
    Rectification.objects.filter(inspection_id__in=ids, due_date__lt=today - dt.timedelta(days=3)).update(
        state=RectificationState.VERIFIED, fix_note="已整改", fixed_at=timezone.now(), verified_at=timezone.now()
    )
    return len(created)
