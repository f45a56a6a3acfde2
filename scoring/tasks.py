from __future__ import annotations

from celery import shared_task


@shared_task(
    name="scoring.grade_month", acks_late=True, ignore_result=True, time_limit=60 * 60, soft_time_limit=55 * 60
)
def grade_month_task(run_id: int) -> None:
    """Execute a grading run started by HQ. Idempotent: results are written in one transaction at the end,
    and a run that already finished is left alone, so a redelivered message does no harm."""
    from scoring.services import grading_run_execute

    grading_run_execute(run_id=run_id)


@shared_task(name="scoring.grade_previous_month", acks_late=True, ignore_result=True, time_limit=60 * 60)
def grade_previous_month_task() -> None:
    """Scheduled on the 1st: draft last month's grading for HQ to review (published months are left alone)."""
    from django.utils import timezone

    from scoring.services import grading_previous_month_draft

    grading_previous_month_draft(today=timezone.localdate())
