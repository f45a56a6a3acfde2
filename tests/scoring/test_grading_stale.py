"""A draft graded from statuses that a re-grading of the month before has since changed is stale: flagged on the
grading page, and refused at publication until it is graded again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from halls.errors import ApplicationError
from scoring.models import GradingRun, RunState
from scoring.selectors.grading import run_is_stale
from scoring.services import default_policy_load
from scoring.services.grading import month_publish
from tests.factories import hq_user

FEB, MARCH = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def _run(month, state, revision=1, **times) -> GradingRun:
    policy, _ = default_policy_load()
    run = GradingRun.objects.create(month=month, state=state, revision=revision, policy=policy)
    GradingRun.objects.filter(pk=run.pk).update(**times)
    run.refresh_from_db()
    return run


def _at(day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, day, hour))


@pytest.fixture
def regraded_february(db):
    """February published on 03-02, re-graded and published again on 03-05 (revision 2)."""
    _run(FEB, RunState.SUPERSEDED, 1, published_at=_at(2))
    return _run(FEB, RunState.PUBLISHED, 2, published_at=_at(5))


def test_a_draft_graded_before_the_regrading_of_the_month_before_is_stale_and_cannot_be_published(
    regraded_february,
):
    draft = _run(MARCH, RunState.DRAFT, started_at=_at(3))

    assert run_is_stale(run=draft)
    with pytest.raises(ApplicationError, match="已过时"):
        month_publish(month=MARCH)
    assert GradingRun.objects.get(pk=draft.pk).state == RunState.DRAFT


def test_a_draft_graded_after_the_regrading_is_not_stale(regraded_february):
    draft = _run(MARCH, RunState.DRAFT, started_at=_at(6))

    assert not run_is_stale(run=draft)


def test_a_draft_after_a_month_published_once_is_not_stale(db):
    _run(FEB, RunState.PUBLISHED, 1, published_at=_at(5))
    draft = _run(MARCH, RunState.DRAFT, started_at=_at(3))

    assert not run_is_stale(run=draft)


def test_the_grading_page_flags_the_stale_draft(client, regraded_february):
    stale = _run(MARCH, RunState.DRAFT, started_at=_at(3))
    client.force_login(hq_user())

    listing = client.get(reverse("scoring:grading")).content.decode()
    detail = client.get(reverse("scoring:run_detail", args=[stale.pk])).content.decode()

    assert f'data-stale="{stale.pk}"' in listing
    assert 'id="stale-draft"' in detail
    assert reverse("scoring:run_publish", args=[stale.pk]) not in detail
