"""Writes for the service bonus: pools (one by one or a file's worth), the default coefficient table, splitting a
month and approving a split.

How a month is split (:func:`split_bonus`, computed in bulk by :mod:`incentives.splitting`), on the month's published
grading only:

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

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.errors import ApplicationError
from halls.jobs import enqueue
from halls.models import MarketingUnit
from halls.months import FUTURE_MONTH, month_current, month_label, month_start
from incentives.allocation import CENT
from incentives.models import (
    BonusPool,
    BonusSplit,
    CoefficientTable,
    SplitState,
    UnitBonus,
)
from incentives.selectors import coefficients_in_force, month_is_frozen, published_run
from incentives.splitting import split_rows_write
from scoring.models import GradingRun

# As in the migration that installs the default table (0002): early enough to govern any month HQ may split.
DEFAULT_COEFFICIENTS_EFFECTIVE_FROM = dt.date(2000, 1, 1)

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
    split_rows_write(split=split, table=table)
    return split


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
