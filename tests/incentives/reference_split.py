"""The split as the application computed it before the bulk rewrite (one Python object per hall and staff
share, :func:`incentives.allocation.split_by_weight` per unit and per hall): the reference that
``incentives.services.split_bonus`` must match row for row and cent for cent (test_split_equivalence.py).

Kept verbatim apart from its name, so that a change to the application's split is compared against the
behaviour the bonus rules were signed off on, not against itself.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, Max

from halls.bulk import rows_insert
from halls.models import Hall, MarketingUnit
from halls.months import month_start
from incentives.allocation import NothingToSplitBy, split_by_weight
from incentives.models import (
    BonusPool,
    BonusSplit,
    CoefficientBasis,
    CoefficientTable,
    HallBonus,
    SplitState,
    StaffBonus,
    UnitBonus,
)
from incentives.selectors import coefficients_in_force
from incentives.services import _months_lock, split_bonus_check
from scoring.models import Grade, HallMonthResult, HallStatus
from surveys.models import ServiceVolume, StaffServicePoints

SHARE_PLACES = Decimal("0.00000001")
BATCH = 500


def _coefficient_for(result: HallMonthResult | None, table: CoefficientTable) -> tuple[str, Decimal]:
    if result is not None and result.vetoed:
        return CoefficientBasis.VETOED, table.vetoed
    if result is not None and result.status == HallStatus.SUPERVISED:
        return CoefficientBasis.SUPERVISED, table.supervised
    if result is None or not result.graded or not result.grade:
        return CoefficientBasis.NOT_GRADED, table.not_graded
    by_grade = {Grade.A: table.grade_a, Grade.B: table.grade_b, Grade.C: table.grade_c, Grade.D: table.grade_d}
    return CoefficientBasis.GRADE, by_grade[result.grade]


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP) if whole else Decimal("0")


def _month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@transaction.atomic
def reference_split_bonus(
    *, month: dt.date, user=None, reason: str = "", request_id: uuid.UUID | None = None
) -> BonusSplit:
    """``incentives.services.split_bonus`` as it was: a new draft revision of ``month``'s split."""
    month = month_start(month)
    _months_lock([month])
    run = split_bonus_check(month=month, reason=reason)
    pools = list(BonusPool.objects.filter(month=month).select_related("marketing_unit"))
    table = coefficients_in_force(month=month)

    BonusSplit.objects.filter(month=month, state=SplitState.DRAFT).update(state=SplitState.SUPERSEDED)
    revision = (BonusSplit.objects.filter(month=month).aggregate(top=Max("revision"))["top"] or 0) + 1
    split = BonusSplit.objects.create(
        month=month,
        revision=revision,
        grading_run=run,
        coefficients=table,
        reason=reason.strip(),
        request_id=request_id,
        created_by=user,
    )
    hall_rows = _split_to_halls(split=split, pools=pools, table=table)
    _split_to_staff(split=split, hall_rows=hall_rows)
    return split


def _split_to_halls(*, split: BonusSplit, pools: list[BonusPool], table: CoefficientTable) -> list[HallBonus]:
    """The units' rows (written) and the halls' rows (returned unsaved: the staff split fills in their
    staff figures, and they are written once, complete, rather than written and then updated)."""
    month, month_end = split.month, _month_end(split.month)
    units = {pool.marketing_unit_id: pool for pool in pools}
    halls_by_unit: dict[int, list[Hall]] = {}
    for hall in (
        # Open in the month as grading sees it: a hall closed in the month (or before) has no share.
        Hall.objects.filter(marketing_unit_id__in=units, opened_on__lte=month_end)
        .exclude(closed_on__lte=month_end)
        .order_by("code")
    ):
        halls_by_unit.setdefault(hall.marketing_unit_id, []).append(hall)
    results = {result.hall_id: result for result in HallMonthResult.objects.filter(run=split.grading_run)}
    volumes = dict(
        ServiceVolume.objects.filter(month=month, hall__marketing_unit_id__in=units)
        .annotate(total=F("front_desk") + F("assisted_self_service") + F("self_service_terminal"))
        .values_list("hall_id", "total")
    )
    # Halls graded this month in a unit that has no pool: nothing to split for them, but HQ should know.
    notes: list[dict] = [
        {"kind": "unit_no_pool", "unit": code}
        for code in MarketingUnit.objects.filter(halls__results__run=split.grading_run)
        .exclude(pk__in=units)
        .distinct()
        .order_by("code")
        .values_list("code", flat=True)
    ]
    unit_rows: list[UnitBonus] = []
    hall_rows: list[HallBonus] = []
    for unit_id, pool in units.items():
        unit_row = UnitBonus(split=split, marketing_unit_id=unit_id, pool=pool.amount)
        rows = []
        for hall in halls_by_unit.get(unit_id, []):
            result = results.get(hall.pk)
            basis, coefficient = _coefficient_for(result, table)
            volume = volumes.get(hall.pk, 0)
            rows.append(
                HallBonus(
                    split=split,
                    unit=unit_row,
                    hall=hall,
                    graded=bool(result and result.graded),
                    grade=(result.grade if result else ""),
                    status=(result.status if result else ""),
                    vetoed=bool(result and result.vetoed),
                    coefficient_basis=basis,
                    volume=volume,
                    coefficient=coefficient,
                    weight=Decimal(volume) * coefficient,
                )
            )
        weight_total = sum((row.weight for row in rows), Decimal("0"))
        unit_row.weight_total = weight_total
        try:
            amounts = split_by_weight(unit_row.pool, {row.hall.code: row.weight for row in rows})
        except NothingToSplitBy:
            amounts = {}
            if unit_row.pool > 0:
                notes.append(
                    {"kind": "unit_zero_weight", "unit": pool.marketing_unit.code, "amount": str(unit_row.pool)}
                )
        for row in rows:
            row.amount = amounts.get(row.hall.code, Decimal("0.00"))
            row.share = _share(row.weight, weight_total)
            row.staff_unallocated = row.amount
        unit_row.allocated = sum((row.amount for row in rows), Decimal("0"))
        unit_row.unallocated = unit_row.pool - unit_row.allocated
        unit_rows.append(unit_row)
        hall_rows.extend(rows)
    UnitBonus.objects.bulk_create(unit_rows, batch_size=BATCH)  # their ids reach the hall rows
    split.pool_total = sum((row.pool for row in unit_rows), Decimal("0"))
    split.hall_total = sum((row.allocated for row in unit_rows), Decimal("0"))
    split.unit_unallocated = split.pool_total - split.hall_total
    split.hall_unallocated = split.hall_total
    split.notes = notes
    split.save(update_fields=["pool_total", "hall_total", "unit_unallocated", "hall_unallocated", "notes"])
    return hall_rows


@dataclass(frozen=True)
class _Points:
    staff_id: int
    employee_no: str
    points: Decimal
    left_in_month: bool


def _split_to_staff(*, split: BonusSplit, hall_rows: list[HallBonus]) -> None:
    """Each hall's amount to its staff by service points; then the hall rows and the staff rows are
    written (the staff rows with COPY on PostgreSQL: 130,000 of them at 20,000 halls)."""
    month, month_end = split.month, _month_end(split.month)
    by_hall = {row.hall_id: row for row in hall_rows}
    points_by_hall: dict[int, list[_Points]] = {}
    notes = list(split.notes)
    recorded = (
        StaffServicePoints.objects.filter(month=month, staff__hall_id__in=by_hall)
        .order_by("staff__employee_no")
        .values_list(
            "staff_id", "staff__employee_no", "staff__hall_id", "staff__active_from", "staff__active_to", "points"
        )
    )
    for staff_id, employee_no, hall_id, active_from, active_to, points in recorded:
        if active_from > month_end or (active_to is not None and active_to < month):
            notes.append({"kind": "staff_not_employed", "staff": employee_no, "points": str(points)})
            continue
        left = active_to is not None and active_to <= month_end
        points_by_hall.setdefault(hall_id, []).append(_Points(staff_id, employee_no, points, left))
    staff_rows: list[tuple[HallBonus, _Points, Decimal, Decimal]] = []
    for hall_id, hall_row in by_hall.items():
        records = points_by_hall.get(hall_id, [])
        hall_row.points_total = sum((record.points for record in records), Decimal("0"))
        try:
            amounts = split_by_weight(hall_row.amount, {record.employee_no: record.points for record in records})
        except NothingToSplitBy:
            if hall_row.amount > 0:
                notes.append({"kind": "hall_no_points", "hall": hall_row.hall.code, "amount": str(hall_row.amount)})
            continue
        for record in records:
            share = _share(record.points, hall_row.points_total)
            staff_rows.append((hall_row, record, share, amounts[record.employee_no]))
        hall_row.staff_allocated = sum(amounts.values(), Decimal("0"))
        hall_row.staff_unallocated = hall_row.amount - hall_row.staff_allocated
    HallBonus.objects.bulk_create(hall_rows, batch_size=BATCH)  # their ids reach the staff rows
    rows_insert(
        StaffBonus,
        ["split_id", "hall_bonus_id", "staff_id", "points", "share", "amount", "left_in_month"],
        (
            (split.pk, hall_row.pk, record.staff_id, record.points, share, amount, record.left_in_month)
            for hall_row, record, share, amount in staff_rows
        ),
    )
    split.staff_total = sum((row.staff_allocated for row in hall_rows), Decimal("0"))
    split.hall_unallocated = split.hall_total - split.staff_total
    split.notes = notes
    split.save(update_fields=["staff_total", "hall_unallocated", "notes"])
