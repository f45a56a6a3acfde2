"""halls.month_state: the apps below scoring learn a month's grading state through it, and scoring answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from halls import month_state
from halls.models import HallStatus
from tests.factories import HallFactory
from tests.incentives.factories import GradingRunFactory, HallMonthResultFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
APRIL = dt.date(2026, 4, 1)


def test_a_month_with_a_published_run_is_published_and_one_without_is_not():
    GradingRunFactory(month=MARCH)

    assert month_state.month_is_published(month=dt.date(2026, 3, 17)) is True
    assert month_state.month_is_published(month=APRIL) is False


def test_a_hall_carries_in_april_the_status_march_s_published_grading_gave_it():
    hall, other = HallFactory(), HallFactory()
    HallMonthResultFactory(hall=hall, month=MARCH, run=GradingRunFactory(month=MARCH), next_status=HallStatus.EXEMPT)

    assert month_state.hall_status_in(hall_id=hall.pk, month=APRIL) == HallStatus.EXEMPT
    assert month_state.hall_status_in(hall_id=other.pk, month=APRIL) == HallStatus.NORMAL


def test_without_a_registered_reader_the_question_fails_loudly(monkeypatch):
    monkeypatch.setattr(month_state, "_reader", None)

    with pytest.raises(ImproperlyConfigured):
        month_state.month_is_published(month=MARCH)
