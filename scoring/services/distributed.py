"""Grading one month across Celery workers: one chunk task per city, then one ranking step.

The single-process path (:func:`scoring.services.grading.grading_run_execute`) reads the whole month and
ranks it. Here the same arithmetic is split where it splits naturally (``compute.city_scores`` needs one
city's evidence only; ``compute.rank_and_status`` needs every city), as a Celery chord:

    grading_run_dispatch ──► chunk(city 1) ─┐
                         ├─► chunk(city 2) ─┼─► finish: read the chunks, rank, write, delete the chunks
                         └─► chunk(city n) ─┘

Guarantees kept from the single path:

* one running run per month: the run is started by ``grading_run_start`` (the partial unique index);
* nothing half-written: the results, the run's state and the deletion of its chunks are one transaction;
* re-deliverable: a chunk task writes its city's row keyed by (run, city, attempt), so running it again
  rewrites the same row with the same content; the finish step does nothing once the run left *running*.
  The finish step trusts the staging rows, not the chord's counter: it checks that every city with an open
  hall has its chunk for this attempt, and waits (a retry) while one is missing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.errors import ApplicationError
from halls.jobs import task_named
from halls.months import month_start
from inspections.models import IndicatorScheme
from scoring.models import GradingChunk, GradingPolicy, GradingRun, RunState
from scoring.services.compute import PolicyFigures, city_scores, rank_and_status
from scoring.services.evidence import cities_open, evidence_frame, history_frame
from scoring.services.grading import (
    _progress,
    _results_write,
    _run_failed,
    grading_run_execute,
    grading_run_start,
    supervision_hold,
)

logger = logging.getLogger(__name__)

CHUNKS_BY_CITY = "city"
CHUNK_FAILED_MESSAGE = gettext_noop("分城市评定计算出错，请联系系统管理员")
CHUNKS_MISSING_MESSAGE = gettext_noop("有 %(missing)s 个城市的分块结果未到，评定未完成")
DISPATCHED_MESSAGE = gettext_noop("正在分 %(cities)s 个城市计算")
CHUNK_DONE_MESSAGE = gettext_noop("已完成 %(done)s/%(expected)s 个城市")
RANKING_MESSAGE = gettext_noop("正在排名并写入评定结果")


class ChunksMissing(Exception):
    """The finish step ran before every city's chunk was stored (a chunk redelivered late): retry later."""


def grading_chunks_mode() -> str:
    """How grading runs started by HQ or the schedule are executed: '' in one process, 'city' across workers."""
    return getattr(settings, "HALLQ_GRADING_CHUNKS", "")


def grading_run_launch(*, run_id: int) -> None:
    """What the grading task does with a started run: execute it here, or fan it out per city."""
    if grading_chunks_mode() == CHUNKS_BY_CITY:
        grading_run_dispatch(run_id=run_id)
    else:
        grading_run_execute(run_id=run_id)


def _attempt_key(run: GradingRun) -> str:
    """The run's current attempt as text (a task argument): its start time, reset on every restart."""
    return run.started_at.astimezone(dt.UTC).isoformat()


def _running(run_id: int, attempt: str | None = None) -> GradingRun | None:
    run = GradingRun.objects.select_related("policy", "scheme").get(pk=run_id)
    if run.state != RunState.RUNNING or (attempt is not None and _attempt_key(run) != attempt):
        logger.info("grading_chunk_step_skipped run=%s state=%s", run.pk, run.state)
        return None
    return run


def grading_run_dispatch(*, run_id: int) -> None:
    """Send one chunk task per city with an open hall, chained (a chord) to the ranking step.

    With eager Celery (no broker) the chord runs inline, so the run is finished when this returns.
    """
    from celery import chord

    run = _running(run_id)
    if run is None:
        return
    attempt = _attempt_key(run)
    # Chunks of an earlier, failed attempt of this run are never read again.
    GradingChunk.objects.filter(run=run).exclude(attempt=run.started_at).delete()
    cities = cities_open(month=run.month)
    _progress(run, 10, DISPATCHED_MESSAGE, cities=len(cities))
    logger.info("grading_run_dispatched run=%s cities=%s", run.pk, len(cities))
    # The ranking step is sent by whichever worker stores the last chunk: name the queue explicitly, or it
    # would go to that worker's default queue rather than the one this run was dispatched to.
    finish_task, chunk_task = task_named("scoring.grade_chunks_finish"), task_named("scoring.grade_city_chunk")
    queue = finish_task.app.conf.task_default_queue
    finish = finish_task.si(run.pk, attempt).set(queue=queue)
    if not cities:
        finish.apply_async()
        return
    chunks = [chunk_task.si(run.pk, city_id, attempt).set(queue=queue) for city_id in cities]
    chord(chunks)(finish)


def _scores_to_json(scores: pd.DataFrame) -> dict[str, list]:
    """Column by column, as plain Python values (NaN → null): JSON floats come back bit for bit."""

    def plain(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    return {column: [plain(v) for v in scores[column].tolist()] for column in scores.columns}


def _scores_from_json(data: dict[str, list]) -> pd.DataFrame:
    frame = pd.DataFrame(data)
    for column in frame.columns:
        if column.endswith(("_score", "_weight")) or column in ("composite", "bonus_points", "deduction_points"):
            frame[column] = frame[column].astype(float)  # null → NaN, as city_scores left it
    return frame


def grading_chunk_compute(*, run_id: int, city_id: int, attempt: str) -> int:
    """Compute one city's per-hall scores and store them as the run's chunk for that city; the hall count.

    Idempotent: a redelivered message rewrites the same row with the same scores.
    """
    run = _running(run_id, attempt)
    if run is None:
        return 0
    try:
        figures = PolicyFigures.of(run.policy)
        rescore_on = run.scheme if run.is_what_if and run.scheme_id else None
        evidence = evidence_frame(month=run.month, scheme=rescore_on, city_id=city_id)
        scores = city_scores(evidence, figures)
        GradingChunk.objects.update_or_create(
            run=run,
            city_id=city_id,
            attempt=run.started_at,
            defaults={"hall_count": len(scores), "scores": _scores_to_json(scores)},
        )
    except Exception:
        _run_failed(run.pk, CHUNK_FAILED_MESSAGE)
        logger.exception("grading_chunk_failed run=%s city=%s", run.pk, city_id)
        raise
    done = GradingChunk.objects.filter(run=run, attempt=run.started_at).count()
    expected = len(cities_open(month=run.month))
    _progress(run, 10 + 60 * done // max(expected, 1), CHUNK_DONE_MESSAGE, done=done, expected=expected)
    logger.info("grading_chunk_stored run=%s city=%s halls=%s", run.pk, city_id, len(scores))
    return len(scores)


def grading_chunks_finish(*, run_id: int, attempt: str, final: bool = False) -> GradingRun | None:
    """Rank every city's stored scores, write the results and drop the chunks, all in one transaction.

    Raises :class:`ChunksMissing` while a city's chunk is not stored yet (the caller retries later);
    with ``final`` (no retry left) the run is marked failed instead.
    """
    run = _running(run_id, attempt)
    if run is None:
        return None
    try:
        chunks = list(GradingChunk.objects.filter(run=run, attempt=run.started_at).order_by("city_id"))
        expected = set(cities_open(month=run.month))
        missing = expected - {chunk.city_id for chunk in chunks}
        if missing:
            if final:
                _run_failed(run.pk, CHUNKS_MISSING_MESSAGE, missing=len(missing))
                raise ApplicationError(_(CHUNKS_MISSING_MESSAGE) % {"missing": len(missing)})
            raise ChunksMissing(sorted(missing))
        _progress(run, 70, RANKING_MESSAGE)
        figures = PolicyFigures.of(run.policy)
        frames = [_scores_from_json(chunk.scores) for chunk in chunks if chunk.hall_count]
        if frames:
            scores = pd.concat(frames, ignore_index=True)
            history = history_frame(month=run.month, months_back=max(figures.consecutive_months, 1))
            results = supervision_hold(rank_and_status(scores, history, figures, month=run.month))
        else:
            results = pd.DataFrame()
        with transaction.atomic():
            _results_write(run=run, results=results)
            GradingChunk.objects.filter(run=run).delete()
    except ChunksMissing:
        raise
    except ApplicationError as exc:
        _run_failed(run.pk, exc.message)
        raise
    except Exception:
        _run_failed(run.pk, CHUNK_FAILED_MESSAGE)
        logger.exception("grading_finish_failed run=%s", run.pk)
        raise
    run.refresh_from_db()
    logger.info("grading_run_finished run=%s graded=%s chunks=%s", run.pk, run.halls_graded, len(chunks))
    return run


def grade_month_distributed(
    *,
    month: dt.date,
    user=None,
    policy: GradingPolicy | None = None,
    scheme: IndicatorScheme | None = None,
    what_if: bool = False,
    reason: str = "",
) -> GradingRun:
    """Start a run of ``month`` and fan it out per city to the workers.

    With eager Celery the run is finished (a draft) when this returns; with a broker it is still running
    and the workers finish it (the grading page, or ``grade_month --distributed``, follows its progress).
    """
    run = grading_run_start(
        month=month_start(month), user=user, policy=policy, scheme=scheme, what_if=what_if, reason=reason
    )
    grading_run_dispatch(run_id=run.pk)
    run.refresh_from_db()
    return run
