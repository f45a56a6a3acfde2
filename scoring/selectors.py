"""Reads for grading: which months are frozen, which policy governs a month, published results."""

from __future__ import annotations

import datetime as dt

from halls.months import month_start
from scoring.models import GradingRun, RunState


def month_is_published(*, month: dt.date) -> bool:
    """A published month is frozen: evidence for it can no longer be added or changed."""
    return GradingRun.objects.filter(month=month_start(month), state=RunState.PUBLISHED, is_what_if=False).exists()
