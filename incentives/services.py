"""Writes for the service bonus: pools (one by one or a file's worth), the default coefficient table, splitting a
month and approving a split.

How a month is split (:func:`split_bonus`), on the month's published grading only:

- Halls: every hall of a unit with a pool that was open during the month.
- Coefficient, first match wins: vetoed in the month → ``vetoed``; carrying the supervised status in the month
  (the result's ``status``) → ``supervised``; not graded → ``not_graded``; otherwise the grade's coefficient.
- Weight = service volume (front desk + assisted self-service + self-service terminal) × coefficient.
- Each unit's pool goes to its halls by weight, to the cent (:mod:`incentives.allocation`). A unit whose halls
  all weigh zero keeps its whole pool unallocated, and the split says so.
- Each hall's amount goes to its staff by the service points recorded for the month, the same way. Staff count
  when they were employed on at least one day of the month. A staff member who left during the month is paid by
  the points recorded for him: points already measure the days he worked, so there is no further pro-rating.
  Points recorded for someone not employed in the month are ignored and reported. A hall whose staff have no
  points keeps its amount unallocated at hall level, and the split says so.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.bulk import rows_insert
from halls.errors import ApplicationError
from halls.jobs import enqueue
from halls.models import Hall, MarketingUnit
from halls.months import FUTURE_MONTH, month_current, month_label, month_start
from incentives.allocation import CENT, NothingToSplitBy, split_by_weight
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
from incentives.selectors import coefficients_in_force, month_is_frozen, published_run
from scoring.models import Grade, GradingRun, HallMonthResult, HallStatus
from surveys.models import ServiceVolume, StaffServicePoints

# As in the migration that installs the default table (0002): early enough to govern any month HQ may split.
DEFAULT_COEFFICIENTS_EFFECTIVE_FROM = dt.date(2000, 1, 1)
SHARE_PLACES = Decimal("0.00000001")

# Marked for translation, translated when raised (the constants stay plain str for comparisons).
NOT_PUBLISHED = gettext_noop("{month} 的评定尚未发布，不能分配酬金")
NO_POOLS = gettext_noop("{month} 没有任何营销单元的酬金池")
FROZEN = gettext_noop("{month} 的酬金分配已审批冻结；只有重新评定发布后才能重新分配")
REASON_REQUIRED = gettext_noop("已审批的月份重新分配时必须填写原因")
NOT_A_DRAFT = gettext_noop("只有待审批的分配可以审批")
STALE_GRADING = gettext_noop("该分配所用的评定已被重评替代，请重新分配后再审批")
STALE_POOLS = gettext_noop("分配后酬金池已修改，请重新分配后再审批")
POOL_FROZEN = gettext_noop("{month} 的酬金分配已审批，酬金池不能再修改")
# bulk_update writes one CASE with a branch per row: PostgreSQL evaluates it for every row of the statement,
# so one statement over 20,000 halls costs 20,000² comparisons (35 s); batches of 500 keep it linear.
BATCH = 500

BAD_AMOUNT = gettext_noop("金额必须是不小于 0 的数，最多两位小数")


def coefficients_default_load() -> tuple[CoefficientTable, bool]:
    """The default coefficients (docs/rules/en.md, the bonus split) as version 1, unless a table exists.
    Returns (table, created)."""
    existing = CoefficientTable.objects.order_by("version").first()
    if existing is not None:
        return existing, False
    return CoefficientTable.objects.create(version=1, effective_from=DEFAULT_COEFFICIENTS_EFFECTIVE_FROM), True


def _months_lock(months) -> None:
    """Lock the months' published gradings, the row that approving a split locks too: two splits of one
    month (or a split and an approval) queue up instead of racing for a revision, and a pool never changes
    between the frozen-month check and the write; whatever is checked after this runs under the lock."""
    runs = [run for run in (published_run(month=month) for month in sorted(set(months))) if run is not None]
    for run in runs:
        GradingRun.objects.select_for_update().only("pk").get(pk=run.pk)


@transaction.atomic
def bonus_pool_set(*, unit: MarketingUnit, month: dt.date, amount: Decimal, user=None) -> BonusPool:
    """Set a unit's pool for a month; refused for a month not begun, and once the month's split is approved."""
    month = month_start(month)
    if month > month_current():
        message = _(FUTURE_MONTH).format(month=f"{month:%Y-%m}")
        raise ApplicationError(message, field_errors={"month": [message]})
    if amount is None or amount < 0 or amount != amount.quantize(CENT):
        raise ApplicationError(_(BAD_AMOUNT), field_errors={"amount": [_(BAD_AMOUNT)]})
    _months_lock([month])
    if month_is_frozen(month=month):
        message = _(POOL_FROZEN).format(month=f"{month:%Y-%m}")
        raise ApplicationError(message, field_errors={"month": [message]})
    pool, _created = BonusPool.objects.update_or_create(
        marketing_unit=unit, month=month, defaults={"amount": amount, "updated_by": user, "import_batch": None}
    )
    return pool


@transaction.atomic
def bonus_pools_import(*, pools: list[dict], batch_id: int | None, user_id: int | None) -> tuple[int, int]:
    """Set many pools at once (from an import batch, or ``batch_id`` None from a script such as the bench): a
    new (unit, month) is created, an existing one takes the new amount.

    ``pools`` holds validated ``{"marketing_unit_id", "month", "amount"}`` with no (unit, month) twice. Refused
    whole if any month's split is approved by now. Returns (created, updated).
    """
    months = {pool["month"] for pool in pools}
    _months_lock(months)
    frozen = sorted(month for month in months if month_is_frozen(month=month))
    if frozen:
        raise ApplicationError(_(POOL_FROZEN).format(month=f"{frozen[0]:%Y-%m}"))
    existing = {
        (pool.marketing_unit_id, pool.month): pool
        for pool in BonusPool.objects.filter(
            month__in=months, marketing_unit_id__in={pool["marketing_unit_id"] for pool in pools}
        )
    }
    now = timezone.now()
    changed, new = [], []
    for values in pools:
        pool = existing.get((values["marketing_unit_id"], values["month"]))
        if pool is None:
            new.append(BonusPool(**values, import_batch_id=batch_id, updated_by_id=user_id))
            continue
        pool.amount = values["amount"]
        pool.import_batch_id, pool.updated_by_id, pool.updated_at = batch_id, user_id, now
        changed.append(pool)
    BonusPool.objects.bulk_create(new, batch_size=BATCH)
    # bulk_update leaves auto_now alone, hence updated_at set above.
    BonusPool.objects.bulk_update(changed, ["amount", "import_batch", "updated_by", "updated_at"], batch_size=BATCH)
    return len(new), len(changed)


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


def split_bonus_check(*, month: dt.date, reason: str = "") -> GradingRun:
    """Whether ``month`` may be split now: its published grading run, or the refusal (beside its field)."""
    month = month_start(month)
    label = f"{month:%Y-%m}"

    def refuse(message: str, field: str = "month"):
        raise ApplicationError(message, field_errors={field: [message]})

    run = published_run(month=month)
    if run is None:
        refuse(_(NOT_PUBLISHED).format(month=label))
    approved = BonusSplit.objects.filter(month=month, state=SplitState.APPROVED).first()
    if approved is not None and approved.grading_run_id == run.pk:
        refuse(_(FROZEN).format(month=label))
    if approved is not None and not reason.strip():
        refuse(_(REASON_REQUIRED), "reason")
    if not BonusPool.objects.filter(month=month).exists():
        refuse(_(NO_POOLS).format(month=label))
    return run


def split_bonus_start(*, month: dt.date, user, reason: str = "") -> uuid.UUID:
    """Check that ``month`` may be split and start the split task once the transaction commits.

    The task's message carries a new request id, which the split it makes keeps: a redelivery of the message
    finds that split and makes no other (:func:`split_bonus_requested`). Returns the request id; raises
    :class:`halls.jobs.BrokerUnavailable` when the task cannot be sent.
    """
    split_bonus_check(month=month, reason=reason)
    request_id = uuid.uuid4()
    enqueue("incentives.split_bonus", args=(month_label(month), user.pk, reason, str(request_id)))
    return request_id


@transaction.atomic
def split_bonus_requested(
    *, request_id: uuid.UUID, month: dt.date, user=None, reason: str = ""
) -> tuple[BonusSplit, bool]:
    """The split of request ``request_id``: made now, ``(split, True)``, or made by an earlier delivery of
    the same message, ``(split, False)``, whatever happened to the month since."""
    _months_lock([month_start(month)])
    done = BonusSplit.objects.filter(request_id=request_id).first()
    if done is not None:
        return done, False
    return split_bonus(month=month, user=user, reason=reason, request_id=request_id), True


@transaction.atomic
def split_bonus(*, month: dt.date, user=None, reason: str = "", request_id: uuid.UUID | None = None) -> BonusSplit:
    """Split ``month``'s pools to halls and staff as a new draft revision (see the module docstring)."""
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


@transaction.atomic
def bonus_split_approve(*, split_id: int, user=None) -> BonusSplit:
    """Approve a draft: it freezes the month, and the split it replaces (if any) becomes superseded."""
    # The month's grading row is the lock that split_bonus takes too: approving and re-splitting never interleave.
    run_id = BonusSplit.objects.values_list("grading_run_id", flat=True).get(pk=split_id)
    GradingRun.objects.select_for_update().only("pk").get(pk=run_id)
    split = BonusSplit.objects.select_for_update().get(pk=split_id)
    if split.state != SplitState.DRAFT:
        raise ApplicationError(_(NOT_A_DRAFT))
    current = published_run(month=split.month)
    if current is None or current.pk != split.grading_run_id:
        raise ApplicationError(_(STALE_GRADING))
    pools_now = dict(BonusPool.objects.filter(month=split.month).values_list("marketing_unit_id", "amount"))
    pools_used = dict(UnitBonus.objects.filter(split=split).values_list("marketing_unit_id", "pool"))
    if pools_now != pools_used:
        raise ApplicationError(_(STALE_POOLS))
    BonusSplit.objects.filter(month=split.month, state=SplitState.APPROVED).update(state=SplitState.SUPERSEDED)
    split.state = SplitState.APPROVED
    split.approved_by = user
    split.approved_at = timezone.now()
    split.save(update_fields=["state", "approved_by", "approved_at"])
    return split
