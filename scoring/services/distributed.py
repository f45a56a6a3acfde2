"""Grading one month across Celery workers: one chunk task per city, then one short closing step.

The single-process path (:func:`scoring.services.grading.grading_run_execute`) reads the whole month and
ranks it. Every figure of a hall's result is taken within its city: its scores follow from its own evidence,
and the ranks, group sizes, top and bottom shares, statuses and star nominees are taken within the city,
its districts or the city's halls of one kind (``compute.rank_and_status``; a district lies in one city).
So a chunk task computes its city's final rows, exactly as the single process computes them, and writes them
once (COPY) into the run's results; the closing step only checks that every city is there and makes the
run a draft:

    grading_run_dispatch ──► chunk(city 1) ─┐
                         ├─► chunk(city 2) ─┼─► finish: every city there? the run becomes a draft
                         └─► chunk(city n) ─┘

Guarantees kept from the single path:

* one running run per month: the run is started by ``grading_run_start`` (the partial unique index);
* nothing half-shown: a running or failed run's rows are shown nowhere (pages, reviews and reports read
  drafts and published runs); the run becomes a draft, with its counts, in one transaction once every
  city's rows are in, and a failed run keeps no row;
* re-deliverable: the dispatch clears the run and gives each city a mark (one row keyed by (run, city,
  attempt)); a chunk task locks its mark, writes its city's rows and sets the mark done in one transaction,
  so a second delivery waits for the first and then replaces the same rows with the same rows; it holds
  the run's row (FOR KEY SHARE on PostgreSQL) while it writes, so a restart of the run waits for it, and a
  chunk of an earlier attempt writes nothing. The finish step does nothing once the run left *running*; it trusts the
  marks, not the chord's counter: it checks that every city with an open hall is done for this attempt,
  and waits (a retry) while one is missing.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.bulk import frame_insert
from halls.db import connection_reset_if_broken
from halls.errors import ApplicationError
from halls.jobs import task_named
from halls.months import month_start
from inspections.models import IndicatorScheme
from scoring.models import GradingChunk, GradingPolicy, GradingRun, HallMonthResult, ResultChange, RunState
from scoring.services.compute import PolicyFigures, city_scores, rank_and_status
from scoring.services.evidence import cities_open, evidence_frame, history_frame
from scoring.services.grading import (
    _changes_write,
    _progress,
    _result_frame,
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
    """Send one chunk task per city with an open hall, chained (a chord) to the finish step.

    With eager Celery (no broker) the chord runs inline, so the run is finished when this returns.
    """
    from celery import chord

    run = _running(run_id)
    if run is None:
        return
    attempt = _attempt_key(run)
    cities = cities_open(month=run.month)
    with transaction.atomic():
        # A draft re-graded in place, or an earlier attempt, left rows and marks that this attempt must not
        # find (no one reads a running run's rows meanwhile): one DELETE by run here, so that a chunk only
        # inserts. Each city gets its mark, not done yet: a chunk locks it, which puts a second delivery of
        # the same chunk behind the first.
        _run_rows_delete(run)
        GradingChunk.objects.bulk_create(
            [GradingChunk(run=run, city_id=city_id, attempt=run.started_at) for city_id in cities]
        )
    _progress(run, 10, DISPATCHED_MESSAGE, cities=len(cities))
    logger.info("grading_run_dispatched run=%s cities=%s", run.pk, len(cities))
    # The finish step is sent by whichever worker stores the last chunk: name the queue explicitly, or it
    # would go to that worker's default queue rather than the one this run was dispatched to.
    finish_task, chunk_task = task_named("scoring.grade_chunks_finish"), task_named("scoring.grade_city_chunk")
    queue = finish_task.app.conf.task_default_queue
    finish = finish_task.si(run.pk, attempt).set(queue=queue)
    if not cities:
        finish.apply_async()
        return
    chunks = [chunk_task.si(run.pk, city_id, attempt, len(cities)).set(queue=queue) for city_id in cities]
    chord(chunks)(finish)


def _run_rows_delete(run: GradingRun) -> None:
    HallMonthResult.objects.filter(run=run).delete()
    ResultChange.objects.filter(run=run).delete()
    GradingChunk.objects.filter(run=run).delete()


def _holding(run_id: int, attempt: str) -> bool:
    """Inside a transaction: hold the run's row until it ends and say whether it still runs ``attempt``.

    FOR KEY SHARE on PostgreSQL: a restart (``grading_run_start`` locks the run FOR UPDATE), a failure and
    the finish step wait for the chunks writing; the chunks do not wait for each other, nor for another
    chunk's progress update (a plain UPDATE, which FOR SHARE would have made wait for every chunk in flight,
    putting the workers one behind the other)."""
    with connection.cursor() as cursor:
        lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
        cursor.execute(f"SELECT state, started_at FROM {GradingRun._meta.db_table} WHERE id = %s{lock}", [run_id])
        row = cursor.fetchone()
    if row is None or row[0] != RunState.RUNNING:
        return False
    started_at = row[1]
    if isinstance(started_at, str):  # SQLite gives the timestamp as text
        started_at = dt.datetime.fromisoformat(started_at)
    if timezone.is_naive(started_at):
        started_at = timezone.make_aware(started_at, dt.UTC)
    return started_at.astimezone(dt.UTC).isoformat() == attempt


def _chunks_failed(run_id: int, attempt: str, message: str, **params) -> None:
    """Mark the run's ``attempt`` failed and drop every row its chunks wrote (a failed run keeps none)."""
    connection_reset_if_broken()
    with transaction.atomic():
        run = GradingRun.objects.select_for_update().filter(pk=run_id, state=RunState.RUNNING).first()
        if run is None or _attempt_key(run) != attempt:
            return
        _run_rows_delete(run)
        _run_failed(run.pk, message, **params)


def grading_city_results(*, run: GradingRun, city_id: int) -> pd.DataFrame:
    """``city_id``'s rows of ``run``, final (scores, ranks, statuses), as the single process computes them:
    the same functions on the city's evidence and history (every group they rank in lies in one city)."""
    figures = PolicyFigures.of(run.policy)
    rescore_on = run.scheme if run.is_what_if and run.scheme_id else None
    evidence = evidence_frame(month=run.month, scheme=rescore_on, city_id=city_id)
    if evidence.empty:
        return pd.DataFrame()
    history = history_frame(month=run.month, months_back=max(figures.consecutive_months, 1), city_id=city_id)
    return supervision_hold(rank_and_status(city_scores(evidence, figures), history, figures, month=run.month))


def grading_chunk_compute(*, run_id: int, city_id: int, attempt: str, expected: int = 0) -> int:
    """Compute one city's final rows of the run and write them, marking the city done; the hall count.
    ``expected`` is the number of cities of the run (for the progress shown).

    Idempotent: a redelivered message replaces the city's rows with the same rows.
    """
    run = _running(run_id, attempt)
    if run is None:
        return 0
    try:
        # One transaction on the worker's own connection, reads included: they then run one after the other
        # rather than each on a connection opened for it (the other workers keep the other cores busy), and
        # the run is held from the first read on, so that a chunk of a restarted attempt reads nothing.
        with transaction.atomic():
            if not _holding(run.pk, attempt):
                logger.info("grading_chunk_step_skipped run=%s city=%s", run.pk, city_id)
                return 0
            mark, unmarked = GradingChunk.objects.select_for_update().get_or_create(
                run=run, city_id=city_id, attempt=run.started_at
            )
            # Delivered before (the city's rows are in), or sent by no dispatch of this attempt (which would
            # have cleared the run): the city's rows are replaced.
            if unmarked or mark.hall_count is not None:
                HallMonthResult.objects.filter(run=run, hall__district__city_id=city_id).delete()
                ResultChange.objects.filter(run=run, hall__district__city_id=city_id).delete()
            results = grading_city_results(run=run, city_id=city_id)
            frame = _result_frame(run, results) if not results.empty else pd.DataFrame()
            if not frame.empty:
                frame_insert(HallMonthResult, frame)
                _changes_write(run=run, frame=frame, city_id=city_id)
            mark.hall_count = len(frame)
            mark.save(update_fields=["hall_count", "computed_at"])
    except Exception:
        logger.exception("grading_chunk_failed run=%s city=%s", run.pk, city_id)
        _chunks_failed(run.pk, attempt, CHUNK_FAILED_MESSAGE)
        raise
    done = GradingChunk.objects.filter(run=run, attempt=run.started_at, hall_count__isnull=False).count()
    expected = max(expected, done, 1)
    _progress(run, 10 + 85 * done // expected, CHUNK_DONE_MESSAGE, done=done, expected=expected)
    logger.info("grading_chunk_stored run=%s city=%s halls=%s", run.pk, city_id, len(frame))
    return len(frame)


def grading_chunks_finish(*, run_id: int, attempt: str, final: bool = False) -> GradingRun | None:
    """Once every city's rows are in, make the run a draft with its counts and drop the marks (one transaction).

    Raises :class:`ChunksMissing` while a city is not done yet (the caller retries later); with ``final``
    (no retry left) the run is marked failed instead, and its rows dropped.
    """
    run = _running(run_id, attempt)
    if run is None:
        return None
    try:
        marks = GradingChunk.objects.filter(run=run, attempt=run.started_at, hall_count__isnull=False)
        done = set(marks.values_list("city_id", flat=True))
        missing = set(cities_open(month=run.month)) - done
        if missing:
            if final:
                _chunks_failed(run.pk, attempt, CHUNKS_MISSING_MESSAGE, missing=len(missing))
                raise ApplicationError(_(CHUNKS_MISSING_MESSAGE) % {"missing": len(missing)})
            raise ChunksMissing(sorted(missing))
        with transaction.atomic():
            locked = GradingRun.objects.select_for_update().get(pk=run.pk)
            if locked.state != RunState.RUNNING or _attempt_key(locked) != attempt:
                return None
            counts = HallMonthResult.objects.filter(run=locked).aggregate(
                total=Count("pk"), graded=Count("pk", filter=Q(graded=True))
            )
            GradingChunk.objects.filter(run=locked).delete()
            locked.state = RunState.DRAFT
            locked.progress = 100
            locked.message = ""
            locked.message_params = {}
            locked.finished_at = timezone.now()
            locked.halls_graded = counts["graded"]
            locked.halls_not_graded = counts["total"] - counts["graded"]
            locked.save()
    except (ChunksMissing, ApplicationError):
        raise
    except Exception:
        logger.exception("grading_finish_failed run=%s", run.pk)
        _chunks_failed(run.pk, attempt, CHUNK_FAILED_MESSAGE)
        raise
    run.refresh_from_db()
    logger.info("grading_run_finished run=%s graded=%s chunks=%s", run.pk, run.halls_graded, len(done))
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
