"""What the apps below scoring ask about a month's grading: is the month published (and so frozen), and which
status does a hall carry in it.

Grading decides both, and grading (scoring) sits above the apps that ask (inspections, surveys) in the order of the
apps, so they may not import it. They ask here instead, and scoring answers: its app config registers the reader at
start-up. The facts keep one source, the grading runs, and no app imports one above it.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class MonthStateReader(Protocol):
    def month_is_published(self, *, month: dt.date) -> bool: ...

    def hall_status_in(self, *, hall_id: int, month: dt.date) -> str: ...


_reader: MonthStateReader | None = None


def month_state_reader_register(reader: MonthStateReader) -> None:
    """Called once, by the app that grades months, when Django starts."""
    global _reader
    _reader = reader


def _registered() -> MonthStateReader:
    if _reader is None:
        raise ImproperlyConfigured("No month-state reader is registered: is the scoring app installed?")
    return _reader


def month_is_published(*, month: dt.date) -> bool:
    """A published month is frozen: evidence for it can no longer be added or changed."""
    return _registered().month_is_published(month=month)


def hall_status_in(*, hall_id: int, month: dt.date) -> str:
    """The status (a :class:`halls.models.HallStatus` value) a hall carries in ``month``: set by the published
    grading of the month before."""
    return _registered().hall_status_in(hall_id=hall_id, month=month)
