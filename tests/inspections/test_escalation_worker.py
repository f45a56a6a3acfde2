"""The daily escalation job, sent through the real broker to a real worker process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from halls.models import Notification
from inspections.models import EscalationLevel, Rectification
from inspections.services.tree import scheme_create_from_spec
from scoring.services import default_policy_load
from tests.inspections.conftest import FULL_MARKS, SMALL_TREE
from tests.inspections.factories import inspection_enter
from tests.worker import celery_worker, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_escalation_job_runs_in_a_worker_and_warns_the_district_manager(world):
    from inspections.tasks import rectifications_escalate_task

    scheme = scheme_create_from_spec(spec=SMALL_TREE, name="小树", effective_from=dt.date(2025, 1, 1), activate=True)
    default_policy_load()
    ten_days_ago = timezone.localtime() - dt.timedelta(days=10)  # due 7 days later: 3 days overdue today
    inspection_enter(
        user=world.district_a,
        hall=world.hall_a1,
        scheme=scheme,
        values={**FULL_MARKS, "A1.1": 20},
        when=ten_days_ago.strftime("%Y-%m-%d %H:%M"),
    )
    Notification.objects.all().delete()
    with celery_worker() as (_process, queue):
        rectifications_escalate_task.apply_async(queue=queue)
        wait_for(
            lambda: Rectification.objects.filter(escalation_level=EscalationLevel.DISTRICT).exists(),
            what="the rectification to reach the district level",
        )
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["dm_a"]
