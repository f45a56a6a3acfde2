"""Months are stored as the first day of the month; these helpers keep that convention in one place."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.errors import ApplicationError

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
MIN_YEAR, MAX_YEAR = 1900, 2999
# No evidence, grading or bonus exists for a month that has not begun.
FUTURE_MONTH = gettext_noop("{month} 尚未开始：不能录入或处理未来月份的数据")


def month_start(day: dt.date | dt.datetime) -> dt.date:
    return dt.date(day.year, day.month, 1)


def month_parse(text: str) -> dt.date:
    """``"2026-03"`` → ``date(2026, 3, 1)``; anything else is a clear error."""
    match = _MONTH_RE.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ApplicationError(_("月份格式应为 YYYY-MM：%(text)r") % {"text": text})
    # Year 0 is no date at all, and a month next to year 1 or 9999 has no neighbour month_add could reach.
    if not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise ApplicationError(
            _("月份超出范围（%(low)s–%(high)s 年）：%(text)r") % {"low": MIN_YEAR, "high": MAX_YEAR, "text": text}
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def month_current() -> dt.date:
    """The month of today (Asia/Shanghai): begun, not finished."""
    return month_start(timezone.localdate())


def month_not_future(month: dt.date) -> dt.date:
    """``month`` itself, or an ApplicationError when it has not begun yet."""
    if month > month_current():
        raise ApplicationError(_(FUTURE_MONTH).format(month=month_label(month)))
    return month
