"""Reads for grading: which months are frozen, which policy governs a month, published results."""

from __future__ import annotations

import datetime as dt

from halls.errors import ApplicationError
from halls.months import month_add, month_start
from scoring.models import GradingPolicy, GradingRun, HallMonthResult, HallStatus, PolicyState, RunState


def month_is_published(*, month: dt.date) -> bool:
    """A published month is frozen: evidence for it can no longer be added or changed."""
    return GradingRun.objects.filter(month=month_start(month), state=RunState.PUBLISHED, is_what_if=False).exists()


def policy_in_force(*, month: dt.date) -> GradingPolicy:
    """The grading policy governing ``month``: the latest non-draft one effective by then."""
    policy = (
        GradingPolicy.objects.exclude(state=PolicyState.DRAFT)
        .filter(effective_from__lte=month_start(month))
        .order_by("-effective_from")
        .first()
    )
    if policy is None:
        raise ApplicationError(f"{month:%Y-%m} 没有生效的评定规则")
    return policy


def hall_status_in(*, hall_id: int, month: dt.date) -> str:
    """The status a hall carries in ``month``: set by the published grading of the month before."""
    previous = month_add(month_start(month), -1)
    status = (
        HallMonthResult.objects.filter(
            hall_id=hall_id, month=previous, run__state=RunState.PUBLISHED, run__is_what_if=False
        )
        .values_list("next_status", flat=True)
        .first()
    )
    return status or HallStatus.NORMAL
