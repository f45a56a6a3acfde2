"""Grading across real worker processes (PostgreSQL + Redis pass): 2 workers give the rows 1 worker and
the single-process run give."""

from __future__ import annotations

import uuid

import pytest

from scoring.models import GradingChunk, GradingRun, RunState
from scoring.services import default_policy_load, grade_month, grade_month_distributed
from tests.scoring.conftest import JAN
from tests.scoring.factories import province_generate
from tests.scoring.test_grading_distributed import checksum
from tests.worker import celery_worker, wait_for


def _graded_by_workers() -> GradingRun:
    run = grade_month_distributed(month=JAN)
    return wait_for(
        lambda: GradingRun.objects.filter(pk=run.pk).exclude(state=RunState.RUNNING).first(),
        timeout=120,
        what="the distributed grading run to finish",
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_grade_a_month_exactly_like_one_worker_and_like_one_process():
    from inspections.services.tree import default_tree_load

    scheme, _ = default_tree_load()
    default_policy_load()
    province_generate(halls=200, cities=4, months=[JAN], scheme=scheme)
    single = checksum(grade_month(month=JAN))

    with celery_worker(concurrency=1) as (_process, _queue):
        one = _graded_by_workers()
    assert one.state == RunState.DRAFT, one.message
    assert checksum(one) == single

    queue = f"test-{uuid.uuid4().hex[:10]}"
    # Two worker processes consuming the same queue share the four city chunks.
    with celery_worker(queue=queue), celery_worker(queue=queue):
        two = _graded_by_workers()
    assert two.state == RunState.DRAFT, two.message
    assert checksum(two) == single
    assert not GradingChunk.objects.exists()
