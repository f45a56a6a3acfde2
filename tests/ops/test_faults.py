"""Faults: a message delivered twice, the broker down when HQ starts a job, the database failing in the
middle of a bulk write. (The worker killed mid-grading is tests/scoring/test_grading_worker.py.)"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import OperationalError
from django.urls import reverse

from halls.jobs import BROKER_DOWN_MESSAGE
from halls.models import Notification
from incentives.models import BonusSplit, HallBonus, SplitState, StaffBonus, UnitBonus
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
def test_a_bonus_split_message_delivered_twice_leaves_exactly_one_split(world, django_capture_on_commit_callbacks):
    from incentives.services import split_bonus_start

    samples = samples_build(world)  # revision 1 of February exists already, a draft
    splits_before = set(BonusSplit.objects.values_list("pk", flat=True))
    notifications_before = Notification.objects.filter(recipient=world.hq).count()
    with django_capture_on_commit_callbacks() as sends:  # what HQ's page enqueues: one message
        split_bonus_start(month=BONUS_MONTH, user=world.hq)
    assert len(sends) == 1
    sends[0]()  # delivered (Celery runs eagerly here)…
    split = BonusSplit.objects.exclude(pk__in=splits_before).get()
    rows = (UnitBonus.objects.count(), HallBonus.objects.count(), StaffBonus.objects.count())
    sends[0]()  # … and delivered again: the same message, the same request id

    assert set(BonusSplit.objects.values_list("pk", flat=True)) == splits_before | {split.pk}
    assert (UnitBonus.objects.count(), HallBonus.objects.count(), StaffBonus.objects.count()) == rows
    split.refresh_from_db()
    assert (split.revision, split.state, split.request_id is not None) == (2, SplitState.DRAFT, True)
    assert BonusSplit.objects.get(pk=samples.split.pk).state == SplitState.SUPERSEDED
    assert (split.pool_total, split.staff_total) == (samples.split.pool_total, samples.split.staff_total)
    assert Notification.objects.filter(recipient=world.hq).count() == notifications_before + 1  # told once


@pytest.mark.django_db
def test_a_bonus_split_message_redelivered_after_its_split_was_approved_makes_nothing_new(world):
    from incentives.services import bonus_split_approve
    from incentives.tasks import split_bonus_task

    samples_build(world)
    request_id = str(uuid.uuid4())
    label = f"{BONUS_MONTH:%Y-%m}"
    first = split_bonus_task(label, world.hq.pk, "", request_id)
    bonus_split_approve(split_id=first, user=world.hq)
    splits_before, notifications_before = BonusSplit.objects.count(), Notification.objects.count()
    assert split_bonus_task(label, world.hq.pk, "", request_id) == first
    assert (BonusSplit.objects.count(), Notification.objects.count()) == (splits_before, notifications_before)
    assert BonusSplit.objects.get(pk=first).state == SplitState.APPROVED


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

    monkeypatch.setattr("scoring.services.grading.frame_insert", connection_lost)
    with pytest.raises(OperationalError):
        grading_run_execute(run_id=samples.run.pk)
    assert results_of(samples.run) == before  # the delete was rolled back with the failed insert
    assert GradingRun.objects.get(pk=samples.run.pk).state == RunState.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_database_error_in_the_bonus_split_write_saves_no_part_of_the_split(world, monkeypatch):
    from incentives.services import split_bonus

    samples_build(world)
    counts = (BonusSplit.objects.count(), UnitBonus.objects.count(), HallBonus.objects.count())

    from incentives import splitting

    real = splitting.columns_insert
    written: list[str] = []

    def connection_lost_at_the_staff_rows(model, columns):
        if model is StaffBonus:  # the last write: the split, its units and its halls are written by now
            raise OperationalError("server closed the connection unexpectedly")
        written.append(model.__name__)
        return real(model, columns)

    monkeypatch.setattr(splitting, "columns_insert", connection_lost_at_the_staff_rows)
    with pytest.raises(OperationalError):
        split_bonus(month=BONUS_MONTH, user=world.hq)
    assert written == ["UnitBonus", "HallBonus"]
    assert (BonusSplit.objects.count(), UnitBonus.objects.count(), HallBonus.objects.count()) == counts


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("step", ["reading the evidence", "writing the results"])
def test_the_database_connection_lost_while_grading_marks_the_run_failed_at_once(world, monkeypatch, step):
    """A real pg_terminate_backend from a second connection while grading reads its evidence (on a
    connection of the read's own, side by side with the others) or writes its results (one transaction, on
    the run's connection): nothing is written, and the run says failed at once, recorded on a working
    connection, instead of staying "running" until the stale-run rule releases the month."""
    from django.db import InterfaceError, connection

    from scoring.services import evidence, grading, grading_run_execute
    from tests.surveys.test_import_faults import backend_terminate

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no server backend another connection could terminate")
    samples = samples_build(world)
    before = results_of(samples.run)
    GradingRun.objects.filter(pk=samples.run.pk).update(state=RunState.RUNNING)
    module, name = (evidence, "_inspection_totals") if step == "reading the evidence" else (grading, "frame_insert")
    real = getattr(module, name)
    killed: dict[str, int] = {}

    def lose_the_connection_then(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            killed["pid"] = cursor.fetchone()[0]
        backend_terminate(killed["pid"])
        return real(*args, **kwargs)  # fails: the server is gone

    monkeypatch.setattr(module, name, lose_the_connection_then)
    with pytest.raises((OperationalError, InterfaceError)):
        grading_run_execute(run_id=samples.run.pk)

    run = GradingRun.objects.get(pk=samples.run.pk)
    assert run.state == RunState.FAILED
    assert run.finished_at is not None
    assert results_of(samples.run) == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != killed["pid"]
