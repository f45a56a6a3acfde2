"""The grading job through the real broker and a real worker process (PostgreSQL + Redis pass)."""

from __future__ import annotations

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
