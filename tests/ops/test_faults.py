"""Faults: a message delivered twice, the broker down when HQ starts a job, the database failing in the
middle of a bulk write. (The worker killed mid-grading is tests/scoring/test_grading_worker.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.urls import reverse

from halls.jobs import BROKER_DOWN_MESSAGE
from halls.models import Notification
from incentives.models import BonusSplit, HallBonus, StaffBonus, UnitBonus
from inspections.models import Rectification
from scoring.models import GradingRun, HallMonthResult, RunState
from scoring.services import grading_run_start
from tests.samples import BONUS_MONTH, SAMPLE_MONTH, samples_build


def results_of(run) -> list[tuple]:
    return sorted(
        HallMonthResult.objects.filter(run=run).values_list("hall_id", "composite", "grade", "rank_city"), key=repr
    )


# --- a message delivered twice ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_grading_message_delivered_twice_leaves_the_results_of_one_run(world):
    from scoring.tasks import grade_month_task

    samples = samples_build(world)
    run = grading_run_start(month=SAMPLE_MONTH, user=world.hq)
    grade_month_task(run.pk)
    once = results_of(run)
    finished_at = GradingRun.objects.get(pk=run.pk).finished_at
    grade_month_task(run.pk)  # the redelivery
    assert results_of(run) == once and once
    run.refresh_from_db()
    assert (run.state, run.finished_at) == (RunState.DRAFT, finished_at)
    assert results_of(samples.run) != []  # the earlier draft is untouched by the new run's redelivery


@pytest.mark.django_db
def test_a_bonus_split_message_delivered_twice_adds_at_most_an_identical_draft_and_never_doubles_money(world):
    from incentives.tasks import split_bonus_task

    samples = samples_build(world)  # revision 1 of February exists already
    label = f"{BONUS_MONTH:%Y-%m}"
    first = split_bonus_task(label, world.hq.pk, "")
    second = split_bonus_task(label, world.hq.pk, "")
    splits = BonusSplit.objects.filter(pk__in=[samples.split.pk, first, second])
    assert {(s.pool_total, s.staff_total) for s in splits} == {(samples.split.pool_total, samples.split.staff_total)}

    def amounts(split_id):
        return sorted(HallBonus.objects.filter(split_id=split_id).values_list("hall_id", "amount"))

    assert amounts(first) == amounts(second) == amounts(samples.split.pk)
    assert UnitBonus.objects.filter(split_id=second).count() == UnitBonus.objects.filter(split_id=first).count()
    assert StaffBonus.objects.filter(split_id=second).count() == StaffBonus.objects.filter(split_id=first).count()


@pytest.mark.django_db
def test_a_bonus_split_message_delivered_after_approval_changes_nothing(world):
    from incentives.services import bonus_split_approve
    from incentives.tasks import split_bonus_task

    samples = samples_build(world)
    bonus_split_approve(split_id=samples.split.pk, user=world.hq)
    splits_before = BonusSplit.objects.count()
    assert split_bonus_task(f"{BONUS_MONTH:%Y-%m}", world.hq.pk, "") is None  # the month is frozen
    assert BonusSplit.objects.count() == splits_before


@pytest.mark.django_db
def test_the_escalation_delivered_twice_escalates_and_notifies_once(world, time_machine):
    from inspections.tasks import rectifications_escalate_task

    samples = samples_build(world)
    rectification = Rectification.objects.get(pk=samples.rectification.pk)
    time_machine.move_to(dt.datetime.combine(rectification.due_date + dt.timedelta(days=2), dt.time(9)), tick=False)
    first = rectifications_escalate_task()
    assert sum(first.values()) >= 1
    escalated = list(Rectification.objects.order_by("pk").values_list("pk", "escalation_level"))
    notifications = Notification.objects.count()
    second = rectifications_escalate_task()
    assert sum(second.values()) == 0
    assert list(Rectification.objects.order_by("pk").values_list("pk", "escalation_level")) == escalated
    assert Notification.objects.count() == notifications


# --- the broker down when HQ starts a job from the page ---------------------------------------------


@pytest.fixture
def samples(world):
    """Built while the broker is still up (building them starts an import job); request it before broker_down."""
    return samples_build(world)


@pytest.mark.django_db(transaction=True)
def test_starting_a_grading_with_the_broker_down_shows_the_message_and_leaves_no_run_running(
    client, world, samples, broker_down
):
    client.force_login(world.hq)
    response = client.post(reverse("scoring:grading"), {"month": "2026-04"}, follow=True)
    assert response.status_code == 200
    assert BROKER_DOWN_MESSAGE in response.content.decode()
    assert not GradingRun.objects.filter(state=RunState.RUNNING).exists()
    assert GradingRun.objects.get(month=dt.date(2026, 4, 1)).state == RunState.FAILED


@pytest.mark.django_db(transaction=True)
def test_starting_a_bonus_split_with_the_broker_down_shows_the_message_and_starts_nothing(
    client, world, samples, broker_down
):
    splits_before = BonusSplit.objects.count()
    client.force_login(world.hq)
    response = client.post(reverse("incentives:split_run"), {"month": f"{BONUS_MONTH:%Y-%m}", "reason": "重算"})
    assert response.status_code == 200
    assert BROKER_DOWN_MESSAGE in response.content.decode()
    assert BonusSplit.objects.count() == splits_before


# --- the database failing in the middle of a bulk write ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_database_error_in_the_grading_write_leaves_the_month_as_it_was(world, monkeypatch):
    from scoring.services import grading_run_execute

    samples = samples_build(world)
    before = results_of(samples.run)
    assert before
    # Re-grade the same draft run: the write step deletes its rows, then fails in the bulk insert.
    GradingRun.objects.filter(pk=samples.run.pk).update(state=RunState.RUNNING)

    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(HallMonthResult.objects, "bulk_create", connection_lost)
    with pytest.raises(OperationalError):
        grading_run_execute(run_id=samples.run.pk)
    assert results_of(samples.run) == before  # the delete was rolled back with the failed insert
    assert GradingRun.objects.get(pk=samples.run.pk).state == RunState.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_database_error_in_the_bonus_split_write_saves_no_part_of_the_split(world, monkeypatch):
    from incentives.services import split_bonus

    samples_build(world)
    counts = (BonusSplit.objects.count(), UnitBonus.objects.count(), HallBonus.objects.count())

    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(StaffBonus.objects, "bulk_create", connection_lost)  # the last of three writes
    with pytest.raises(OperationalError):
        split_bonus(month=BONUS_MONTH, user=world.hq)
    assert (BonusSplit.objects.count(), UnitBonus.objects.count(), HallBonus.objects.count()) == counts
