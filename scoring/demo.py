"""The demo province's grading: every demo month graded in order, all but the latest published."""

from __future__ import annotations

import datetime as dt

from halls.months import month_add, month_start
from scoring.models import GradingRun
from scoring.selectors import month_is_published
from scoring.services import default_policy_load, grade_month, month_publish


def demo_months(*, months: int, today: dt.date) -> list[dt.date]:
    """The ``months`` complete months before ``today``, oldest first."""
    current = month_start(today)
    return [month_add(current, -back) for back in range(months, 0, -1)]


def demo_grading_run(*, months: int, today: dt.date) -> list[GradingRun]:
    """Grade each demo month in order (statuses build on the months before) and publish all but the
    latest, which stays a draft for HQ to review. Idempotent: published months are left as they are."""
    default_policy_load()
    runs = []
    month_list = demo_months(months=months, today=today)
    for month in month_list:
        if month_is_published(month=month):
            continue
        run = grade_month(month=month)
        if month != month_list[-1]:
            run = month_publish(month=month)
        runs.append(run)
    return runs
