from __future__ import annotations

from celery import shared_task


@shared_task(
    name="scoring.grade_month", acks_late=True, ignore_result=True, time_limit=60 * 60, soft_time_limit=55 * 60
)
def grade_month_task(run_id: int) -> None:
    """Execute a grading run started by HQ (or, with ``HALLQ_GRADING_CHUNKS=city``, fan it out per city).
    Idempotent: results are written in one transaction at the end, and a run that already finished is
    left alone, so a redelivered message does no harm."""
    from scoring.services.distributed import grading_run_launch

    grading_run_launch(run_id=run_id)


@shared_task(name="scoring.grade_city_chunk", acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def grade_city_chunk_task(run_id: int, city_id: int, attempt: str, expected: int = 0) -> int:
    """One city's final rows of a run graded across workers, written to the run's results (idempotent).
    Returns the city's hall count: the chord needs a result, the rows themselves are in the database."""
    from scoring.services.distributed import grading_chunk_compute

    return grading_chunk_compute(run_id=run_id, city_id=city_id, attempt=attempt, expected=expected)


FINISH_RETRIES = 60


@shared_task(
    bind=True,
    name="scoring.grade_chunks_finish",
    acks_late=True,
    ignore_result=True,
    max_retries=FINISH_RETRIES,
    time_limit=60 * 60,
    soft_time_limit=55 * 60,
)
def grade_chunks_finish_task(self, run_id: int, attempt: str) -> None:
    """Make the run a draft once every city's rows are written. If a city is still missing (the chord fired
    early after a redelivery), wait for it; after the last retry the run fails."""
    from scoring.services.distributed import ChunksMissing, grading_chunks_finish

    final = self.request.is_eager or self.request.retries >= FINISH_RETRIES
    try:
        grading_chunks_finish(run_id=run_id, attempt=attempt, final=final)
    except ChunksMissing as exc:
        raise self.retry(exc=exc, countdown=5) from exc


@shared_task(name="scoring.grade_previous_month", acks_late=True, ignore_result=True, time_limit=60 * 60)
def grade_previous_month_task() -> None:
    """Scheduled on the 1st: draft last month's grading for HQ to review (published months are left alone)."""
    from django.utils import timezone

    from scoring.services import grading_previous_month_draft

    grading_previous_month_draft(today=timezone.localdate())


@shared_task(
    name="scoring.render_bulletin", acks_late=True, ignore_result=True, time_limit=10 * 60, soft_time_limit=9 * 60
)
def render_bulletin_task(bulletin_id: int) -> None:
    """Render one monthly bulletin as PDF and store it (idempotent: claimed with a conditional update)."""
    from scoring.services.bulletins import bulletin_render

    bulletin_render(bulletin_id=bulletin_id)


@shared_task(name="scoring.satisfaction_warnings_notify", ignore_result=True, time_limit=10 * 60)
def satisfaction_warnings_notify_task() -> None:
    """Send last month's satisfaction warnings to the district managers and city companies (re-run safe)."""
    from django.utils import timezone

    from halls.months import month_add, month_start
    from scoring.services.satisfaction import satisfaction_warnings_notify

    satisfaction_warnings_notify(month=month_add(month_start(timezone.localdate()), -1))
