"""The grading job through the real broker and a real worker process (PostgreSQL + Redis pass)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from halls.models import HallKind
from scoring.models import GradingRun, HallMonthResult, RunState
from scoring.services import default_policy_load, grading_run_start
from tests.factories import CityFactory, DistrictFactory, HallFactory
from tests.scoring.conftest import FEB, JAN
from tests.scoring.factories import adjustment_add, complaint_add, inspection_add, response_add, visit_add
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


def result_rows(run) -> dict[int, tuple]:
    """Every field of every result row of ``run`` but its id and run, by hall (bench/grading_workers.py)."""
    fields = [f.name for f in HallMonthResult._meta.fields if f.name not in ("id", "run")]
    return {row[0]: row for row in HallMonthResult.objects.filter(run=run).values_list("hall_id", *fields)}


@pytest.fixture
def two_districts(db):
    """Six halls of one city in two districts, January published (so February has a history) and February
    graded once, as a draft, on varied evidence:

    city
    ├── district D1: h1 (self) A-level visits · h2 (partner) a vetoed inspection · h3 (self) two complaints
    └── district D2: h4 (partner) bonus and deduction · h5 (self) no mystery visit · h6 (partner) no evidence
    """
    from inspections.services.tree import default_tree_load
    from scoring.services import grade_month, month_publish
    from surveys.models import AdjustmentKind

    scheme, _ = default_tree_load()
    policy, _ = default_policy_load()
    city = CityFactory()
    d1, d2 = DistrictFactory(city=city), DistrictFactory(city=city)
    halls = [
        HallFactory(district=d1 if n < 3 else d2, kind=HallKind.SELF_RUN if n % 2 == 0 else HallKind.PARTNER)
        for n in range(6)
    ]
    for n, hall in enumerate(halls):  # January: every hall, close to each other
        visit_add(hall, JAN, scheme=scheme, awarded=80 + n)
        response_add(hall, JAN, overall=8)
    month_publish(month=grade_month(month=JAN).month)
    h1, h2, h3, h4, h5, _h6 = halls
    visit_add(h1, FEB, scheme=scheme, awarded=95)
    inspection_add(h1, FEB, scheme=scheme, awarded=92)
    response_add(h1, FEB, overall=9)
    visit_add(h2, FEB, scheme=scheme, awarded=88)
    inspection_add(h2, FEB, scheme=scheme, awarded=90, vetoed=True)
    response_add(h2, FEB, overall=8)
    visit_add(h3, FEB, scheme=scheme, awarded=75)
    response_add(h3, FEB, overall=7)
    complaint_add(h3, FEB)
    complaint_add(h3, FEB)
    complaint_add(h3, FEB, substantiated=False)
    visit_add(h4, FEB, scheme=scheme, awarded=82, bonus=2)
    inspection_add(h4, FEB, scheme=scheme, awarded=85)
    response_add(h4, FEB, overall=8)
    adjustment_add(h4, FEB, kind=AdjustmentKind.DEDUCTION, points=1)
    inspection_add(h5, FEB, scheme=scheme, awarded=70)
    response_add(h5, FEB, overall=6)
    first = grade_month(month=FEB)
    return halls, policy, first


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_grading_leaves_the_month_as_it_was_and_the_redelivered_run_equals_an_uninterrupted_one(
    two_districts,
):
    """The test holds a lock on the run's earlier result rows, so the worker computes, reaches the
    write step (progress 70) and waits there, inside its one transaction; its pool process is then
    killed. The draft from before is untouched, the message goes back to the queue (acks_late, reject
    on worker lost), and once the lock is released the redelivered task writes the new results: every
    field of every row the same as a grading of the same evidence that nobody interrupted."""
    from django.db import transaction

    from scoring.services import grade_month
    from scoring.tasks import grade_month_task

    halls, policy, first = two_districts
    before = result_rows(first)
    assert len(before) == 6
    assert HallMonthResult.objects.filter(run=first, graded=False).get().hall_id == halls[5].pk
    # New evidence for h1 and h3, so the regrading changes composites and ranks.
    complaint_add(halls[0], FEB)
    response_add(halls[2], FEB, overall=10)
    run = grading_run_start(month=FEB)
    assert run.pk == first.pk  # the draft's revision is graded again

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
            assert result_rows(run) == before  # the month as it was
        wait_for(
            lambda: GradingRun.objects.filter(pk=run.pk, state=RunState.DRAFT).exists(),
            timeout=90,
            what="the redelivered task to finish",
        )
    after = result_rows(run)
    uninterrupted = result_rows(grade_month(month=FEB, policy=policy, what_if=True))
    assert len(after) == 6 and after == uninterrupted
    assert after != before  # the new evidence counted
    run.refresh_from_db()
    assert (run.halls_graded, run.halls_not_graded) == (5, 1)
