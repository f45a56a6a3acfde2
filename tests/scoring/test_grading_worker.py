"""The grading job through the real broker and a real worker process (PostgreSQL + Redis pass)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from scoring.models import GradingRun, HallMonthResult, RunState
from scoring.services import default_policy_load, grading_run_start
from tests.factories import DistrictFactory, HallFactory
from tests.scoring.conftest import JAN
from tests.scoring.factories import response_add, visit_add
from tests.worker import celery_worker, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_grade_month_task_runs_in_a_real_worker_and_leaves_a_draft():
    from inspections.services.tree import default_tree_load
    from scoring.tasks import grade_month_task

    scheme, _ = default_tree_load()
    default_policy_load()
    district = DistrictFactory()
    halls = [HallFactory(district=district) for _ in range(3)]
    for number, hall in enumerate(halls):
        visit_add(hall, JAN, scheme=scheme, awarded=70 + 10 * number)
        response_add(hall, JAN, overall=8)
    run = grading_run_start(month=JAN)

    with celery_worker() as (_process, queue):
        grade_month_task.apply_async(args=(run.pk,), queue=queue)
        wait_for(
            lambda: GradingRun.objects.filter(pk=run.pk).exclude(state=RunState.RUNNING).exists(),
            timeout=90,
            what="the grading run to finish",
        )
    run.refresh_from_db()
    assert run.state == RunState.DRAFT, run.message
    # mystery 90 × 40/80 + satisfaction 80 × 30/80 + complaints 100 × 10/80 = 45 + 30 + 12.5 = 87.50
    best = HallMonthResult.objects.get(run=run, hall=halls[2])
    assert str(best.composite) == "87.50" and best.rank_city == 1
    assert HallMonthResult.objects.filter(run=run).count() == 3


def _pool_children(pid: int) -> list[int]:
    """The worker's pool processes (children of the main worker process), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_grading_leaves_the_month_as_it_was_and_the_redelivered_task_finishes():
    """The test holds a lock on the run's earlier result rows, so the worker computes, reaches the
    write step (progress 70) and waits there, inside its one transaction; its pool process is then
    killed. The draft from before is untouched, the message goes back to the queue (acks_late, reject
    on worker lost), and once the lock is released the redelivered task writes the new results."""
    from django.db import transaction

    from inspections.services.tree import default_tree_load
    from scoring.services import grade_month
    from scoring.tasks import grade_month_task

    scheme, _ = default_tree_load()
    default_policy_load()
    hall = HallFactory(district=DistrictFactory())
    response_add(hall, JAN, overall=8)  # satisfaction 80 × 30/40 + complaints 100 × 10/40 = 85.00
    first = grade_month(month=JAN)
    assert str(HallMonthResult.objects.get(run=first).composite) == "85.00"
    response_add(hall, JAN, overall=6)  # mean 70: 52.5 + 25 = 77.50
    run = grading_run_start(month=JAN)

    with celery_worker() as (process, queue):
        with transaction.atomic():
            # The write step starts by deleting the run's earlier rows: holding them makes it wait there.
            list(HallMonthResult.objects.select_for_update(of=("self",)).filter(run=run).order_by("pk"))
            grade_month_task.apply_async(args=(run.pk,), queue=queue)
            wait_for(
                lambda: GradingRun.objects.filter(pk=run.pk, progress=70).exists(),
                timeout=60,
                what="the worker to reach the write step",
            )
            time.sleep(1)  # into the write transaction, blocked on the rows
            children = _pool_children(process.pid)
            assert children, "no pool process found"
            for child in children:
                os.kill(child, signal.SIGKILL)
            time.sleep(1)
            assert str(HallMonthResult.objects.get(run=run).composite) == "85.00"  # the month as it was
        wait_for(
            lambda: GradingRun.objects.filter(pk=run.pk, state=RunState.DRAFT).exists(),
            timeout=90,
            what="the redelivered task to finish",
        )
    assert str(HallMonthResult.objects.get(run=run).composite) == "77.50"
