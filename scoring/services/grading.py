"""Grading runs: start (the database refuses a second running one), execute (compute first, then write
everything in one transaction), publish (freezes the month), re-grade (a new revision with its changes)."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

import pandas as pd
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.bulk import cents_text, frame_insert
from halls.db import connection_reset_if_broken, reads_side_by_side
from halls.errors import ApplicationError
from halls.months import month_add, month_label, month_not_future, month_start
from inspections.models import IndicatorScheme, SchemeState
from inspections.plan_selectors import halls_with_open_look_back
from inspections.selectors import scheme_in_force
from inspections.services.plans import plans_make
from scoring.models import (
    CityDimensionFigure,
    GradingPolicy,
    GradingRun,
    HallMonthResult,
    HallStatus,
    PolicyState,
    ResultChange,
    RunState,
)
from scoring.selectors.grading import STALE_DRAFT_MESSAGE, month_is_published, policy_in_force, run_is_stale
from scoring.selectors.reports import city_dimension_sums_all
from scoring.services.compute import DIMENSIONS, PolicyFigures, city_scores, rank_and_status
from scoring.services.evidence import evidence_frame, history_frame

logger = logging.getLogger(__name__)

RUNNING_MESSAGE = gettext_noop("{month} 的评定正在进行中，不能同时再启动一次，请等待其完成")
REASON_REQUIRED_MESSAGE = gettext_noop("{month} 已发布，重评须填写原因")
WHAT_IF_NEEDS_DRAFT_MESSAGE = gettext_noop("模拟评定须选择一个草稿评定规则或草稿指标体系")
DRAFT_NOT_FOR_REAL_RUN_MESSAGE = gettext_noop("正式评定只能使用已生效的评定规则和指标体系；草稿请用模拟评定")
NOTHING_TO_PUBLISH_MESSAGE = gettext_noop("{month} 没有待发布的评定草稿")
STALE_MESSAGE = gettext_noop("评定任务超时未完成，已标记为失败")
READING_MESSAGE = gettext_noop("正在读取本月数据")
WRITING_MESSAGE = gettext_noop("正在写入评定结果")
FAILED_MESSAGE = gettext_noop("评定计算出错，请联系系统管理员")
# Fields whose change a re-grading records per hall.
CHANGE_FIELDS = ("graded", "composite", "grade", "rank_city", "next_status")


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 10 * 60)


def grading_run_start(
    *,
    month: dt.date,
    user=None,
    policy: GradingPolicy | None = None,
    scheme: IndicatorScheme | None = None,
    what_if: bool = False,
    reason: str = "",
) -> GradingRun:
    """A run of ``month`` in state *running*, ready for :func:`grading_run_execute`.

    Re-running a month whose latest revision is a draft (or failed) reuses that revision; a published
    month gets a new revision, and needs a reason. A what-if run replaces the month's earlier what-if.
    """
    month = month_not_future(month_start(month))
    label = month_label(month)
    reason = reason.strip()
    if what_if and policy is None and scheme is None:
        raise ApplicationError(_(WHAT_IF_NEEDS_DRAFT_MESSAGE))
    if not what_if and (
        (policy is not None and policy.state == PolicyState.DRAFT)
        or (scheme is not None and scheme.state == SchemeState.DRAFT)
    ):
        raise ApplicationError(_(DRAFT_NOT_FOR_REAL_RUN_MESSAGE))
    policy = policy or policy_in_force(month=month)
    if scheme is None and not what_if:
        try:
            scheme = scheme_in_force(on=month)
        except ApplicationError:
            scheme = None
    # A worker that died without the task being redelivered must not block the month forever.
    GradingRun.objects.filter(month=month, state=RunState.RUNNING, started_at__lt=_stale_before()).update(
        state=RunState.FAILED, message=STALE_MESSAGE, message_params={}
    )
    fields = {"policy": policy, "scheme": scheme, "started_by": user}
    try:
        with transaction.atomic():
            if what_if:
                GradingRun.objects.filter(month=month, is_what_if=True).exclude(state=RunState.RUNNING).delete()
                return GradingRun.objects.create(month=month, revision=0, is_what_if=True, reason=reason, **fields)
            latest = (
                GradingRun.objects.select_for_update()
                .filter(month=month, is_what_if=False)
                .order_by("-revision")
                .first()
            )
            if latest is not None and latest.state == RunState.RUNNING:
                raise ApplicationError(_(RUNNING_MESSAGE).format(month=label))
            if latest is not None and latest.state in (RunState.DRAFT, RunState.FAILED):
                if latest.revision > 1 and not (reason or latest.reason):
                    raise ApplicationError(_(REASON_REQUIRED_MESSAGE).format(month=label))
                GradingRun.objects.filter(pk=latest.pk).update(
                    state=RunState.RUNNING,
                    progress=0,
                    message="",
                    message_params={},
                    finished_at=None,
                    started_at=timezone.now(),
                    reason=reason or latest.reason,
                    policy=policy,
                    scheme=scheme,
                    started_by=user,
                )
                latest.refresh_from_db()
                return latest
            if latest is not None and not reason:
                raise ApplicationError(_(REASON_REQUIRED_MESSAGE).format(month=label))
            revision = latest.revision + 1 if latest is not None else 1
            return GradingRun.objects.create(month=month, revision=revision, reason=reason, **fields)
    except IntegrityError as exc:
        # The partial unique index one_running_grading_per_month: another run of the month is under way.
        raise ApplicationError(_(RUNNING_MESSAGE).format(month=label)) from exc


def _run_failed(run_id: int, message: str, **params) -> None:
    """Mark a running run failed with ``message`` (a msgid, its figures in ``params``; or a service's error
    as it was worded). The failure may have been the database connection itself: a broken one is replaced
    first, so that the failure is still recorded."""
    connection_reset_if_broken()
    GradingRun.objects.filter(pk=run_id, state=RunState.RUNNING).update(
        state=RunState.FAILED, message=message[:500], message_params=params, finished_at=timezone.now()
    )


def _progress(run: GradingRun, percent: int, message: str, **params) -> None:
    """Committed at once (outside the result transaction), so the grading page can show it. ``message`` is
    a msgid, translated when shown, its figures in ``params``."""
    GradingRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
        progress=percent, message=message, message_params=params
    )


def grading_compute(*, run: GradingRun) -> pd.DataFrame:
    """Every hall's result for ``run``, computed in memory: nothing is written here."""
    figures = PolicyFigures.of(run.policy)
    rescore_on = run.scheme if run.is_what_if and run.scheme_id else None
    evidence, history = reads_side_by_side(
        partial(evidence_frame, month=run.month, scheme=rescore_on),
        partial(history_frame, month=run.month, months_back=max(figures.consecutive_months, 1)),
    )
    if evidence.empty:
        return pd.DataFrame()
    # A hall's scores follow from its own evidence alone, so one call scores every hall (a worker scores one
    # city's halls the same way: the results are identical either way); ranking then needs them all.
    scores = city_scores(evidence, figures)
    return supervision_hold(rank_and_status(scores, history, figures, month=run.month))


def supervision_hold(results: pd.DataFrame) -> pd.DataFrame:
    """A supervised hall with a look-back item (回头看) not yet verified stays supervised next month, wherever it
    ranks: supervision ends only once what was found has been checked as put right."""
    if results.empty:
        return results
    supervised = results.loc[results["status"] == HallStatus.SUPERVISED, "hall_id"]
    held = halls_with_open_look_back(hall_ids=[int(h) for h in supervised])
    if held:
        results.loc[results["hall_id"].isin(held) & (results["status"] == HallStatus.SUPERVISED), "next_status"] = (
            HallStatus.SUPERVISED
        )
    return results


def grading_run_execute(*, run_id: int) -> GradingRun:
    """Compute ``run``'s month and write its results. Safe to call again: a finished run is left alone."""
    run = GradingRun.objects.select_related("policy", "scheme").get(pk=run_id)
    if run.state != RunState.RUNNING:
        logger.info("grading_run_skipped run=%s state=%s", run.pk, run.state)
        return run
    try:
        _progress(run, 10, READING_MESSAGE)
        results = grading_compute(run=run)
        _progress(run, 70, WRITING_MESSAGE)
        _results_write(run=run, results=results)
    except ApplicationError as exc:
        _run_failed(run.pk, exc.message)
        raise
    except Exception:
        logger.exception("grading_run_failed run=%s", run.pk)
        _run_failed(run.pk, FAILED_MESSAGE)
        raise
    run.refresh_from_db()
    logger.info("grading_run_finished run=%s graded=%s", run.pk, run.halls_graded)
    return run


def _result_frame(run: GradingRun, results: pd.DataFrame) -> pd.DataFrame:
    """The rows to store, one per hall, as the table takes them, built column by column: scores, weights and
    points as two-decimal text, ranks as nullable integers."""
    results = results.sort_values("hall_id")
    frame = pd.DataFrame(
        {
            "run_id": run.pk,
            "hall_id": results["hall_id"].astype(int),
            "month": run.month,
            "graded": results["graded"].astype(bool),
            "not_graded_reason": results["not_graded_reason"].astype(str),
        }
    )
    for name in DIMENSIONS:
        frame[f"{name}_score"] = cents_text(results[f"{name}_score"].astype(float))
        frame[f"{name}_weight"] = cents_text(results[f"{name}_weight"].astype(float))
    for name in ("bonus_points", "deduction_points"):
        frame[name] = cents_text(results[name].astype(float).fillna(0))
    frame["vetoed"] = results["vetoed"].astype(bool)
    frame["composite"] = cents_text(results["composite"].astype(float))
    frame["grade"] = results["grade"].fillna("").astype(str)
    for name in ("rank_city", "rank_district", "rank_kind", "city_size", "group_size"):
        frame[name] = results[name].astype(float).round().astype("Int64")
    for name in ("ranking_group", "status", "next_status"):
        frame[name] = results[name].astype(str)
    for name in ("star_nominee", "in_top_share", "in_bottom_share"):
        frame[name] = results[name].astype(bool)
    return frame.reset_index(drop=True)


def _change_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """``CHANGE_FIELDS`` of each hall as the text a change records ("" for none), indexed by hall."""
    texts = pd.DataFrame(index=frame["hall_id"].to_numpy())
    for name in CHANGE_FIELDS:
        column = frame[name].to_numpy(dtype=object)
        texts[name] = ["" if value is None or value is pd.NA or value != value else str(value) for value in column]
    return texts


def _changes(
    run: GradingRun, frame: pd.DataFrame, against: GradingRun, *, city_id: int | None = None
) -> list[ResultChange]:
    """What changed per hall and field against the published run, compared as text; ``frame`` holds only
    ``city_id``'s halls when it is given (a chunk of grading across workers), and only they are read."""
    if frame.empty:
        return []
    published = HallMonthResult.objects.filter(run=against)
    if city_id is not None:
        published = published.filter(hall__district__city_id=city_id)
    before = pd.DataFrame(  # as objects: a rank with some NULLs must stay an int, not become a float
        list(published.values_list("hall_id", *CHANGE_FIELDS)),
        columns=["hall_id", *CHANGE_FIELDS],
        dtype=object,
    )
    new = _change_texts(frame)
    old = _change_texts(before).reindex(new.index).fillna("")
    changes = []
    for name in CHANGE_FIELDS:
        differs = new[name] != old[name]
        for hall_id, old_value, new_value in zip(
            new.index[differs], old[name][differs], new[name][differs], strict=True
        ):
            changes.append(ResultChange(run=run, hall_id=int(hall_id), field=name, before=old_value, after=new_value))
    return changes


def _changes_write(*, run: GradingRun, frame: pd.DataFrame, city_id: int | None = None) -> None:
    """Record what ``frame`` (the run's rows, or ``city_id``'s) changes against the month's published run."""
    if run.is_what_if:
        return
    published = (
        GradingRun.objects.filter(month=run.month, state=RunState.PUBLISHED, is_what_if=False)
        .exclude(pk=run.pk)
        .first()
    )
    if published is not None:
        ResultChange.objects.bulk_create(_changes(run, frame, published, city_id=city_id), batch_size=1000)


@transaction.atomic
def _results_write(*, run: GradingRun, results: pd.DataFrame) -> None:
    locked = GradingRun.objects.select_for_update().get(pk=run.pk)
    if locked.state != RunState.RUNNING:  # another delivery of the task finished first
        return
    HallMonthResult.objects.filter(run=locked).delete()
    ResultChange.objects.filter(run=locked).delete()
    frame = _result_frame(locked, results) if not results.empty else pd.DataFrame(columns=["hall_id", "graded"])
    # COPY on PostgreSQL (bulk_create's per-value preparation was half the grading time at 20,000 halls);
    # the table's constraints still check every row.
    frame_insert(HallMonthResult, frame)
    _changes_write(run=locked, frame=frame)
    locked.state = RunState.DRAFT
    locked.progress = 100
    locked.message = ""
    locked.message_params = {}
    locked.finished_at = timezone.now()
    locked.halls_graded = int(frame["graded"].sum())
    locked.halls_not_graded = len(frame) - locked.halls_graded
    locked.save()


def grade_month(
    *,
    month: dt.date,
    user=None,
    policy: GradingPolicy | None = None,
    scheme: IndicatorScheme | None = None,
    what_if: bool = False,
    reason: str = "",
) -> GradingRun:
    """Grade ``month`` now, in this process (commands, schedules, tests): start a run and execute it."""
    run = grading_run_start(month=month, user=user, policy=policy, scheme=scheme, what_if=what_if, reason=reason)
    return grading_run_execute(run_id=run.pk)


def grading_run_fail(*, run: GradingRun, message: str) -> None:
    """Mark a run that never reached a worker (the broker was down) as failed, so it blocks nothing."""
    _run_failed(run.pk, message)


@transaction.atomic
def month_publish(*, month: dt.date, user=None) -> GradingRun:
    """Publish the month's draft: it becomes what hall managers see, and the month is frozen.
    A revision published earlier is kept, as superseded."""
    month = month_start(month)
    label = month_label(month)
    runs = list(GradingRun.objects.select_for_update().filter(month=month, is_what_if=False).order_by("-revision"))
    if any(run.state == RunState.RUNNING for run in runs):
        raise ApplicationError(_(RUNNING_MESSAGE).format(month=label))
    draft = next((run for run in runs if run.state == RunState.DRAFT), None)
    if draft is None:
        raise ApplicationError(_(NOTHING_TO_PUBLISH_MESSAGE).format(month=label))
    if run_is_stale(run=draft):
        raise ApplicationError(_(STALE_DRAFT_MESSAGE).format(month=label))
    GradingRun.objects.filter(month=month, state=RunState.PUBLISHED, is_what_if=False).update(state=RunState.SUPERSEDED)
    draft.state = RunState.PUBLISHED
    draft.published_by = user
    draft.published_at = timezone.now()
    draft.save(update_fields=["state", "published_by", "published_at"])
    city_figures_store(run=draft)
    next_month_plans_make(run=draft)
    logger.info("month_published month=%s run=%s revision=%s", label, draft.pk, draft.revision)
    return draft


def next_month_plans_make(*, run: GradingRun) -> int:
    """The statuses a published month gives its halls for the next month set that month's inspection plans in
    motion (checks due per status and policy). Returns the number of plan lines made."""
    statuses = dict(HallMonthResult.objects.filter(run=run).values_list("hall_id", "next_status").order_by())
    return plans_make(month=month_add(run.month, 1), statuses=statuses, run_id=run.pk)


def city_figures_store(*, run: GradingRun) -> int:
    """Store each city's points applicable and awarded per level-1 indicator in the run's month, for the
    hall archives (one scan of the month's items, at publication, instead of one per city per page).
    Returns the number of figures written."""
    figures = [CityDimensionFigure(run=run, **row) for row in city_dimension_sums_all(month=run.month)]
    CityDimensionFigure.objects.filter(run=run).delete()
    CityDimensionFigure.objects.bulk_create(figures)
    return len(figures)


def grading_previous_month_draft(*, today: dt.date) -> GradingRun | None:
    """The schedule on the 1st: draft last month, unless it is published or being graded already."""
    month = month_add(month_start(today), -1)
    if month_is_published(month=month):
        logger.info("grading_draft_skipped month=%s reason=published", month_label(month))
        return None
    try:
        return grade_month(month=month)
    except ApplicationError as exc:
        logger.warning("grading_draft_skipped month=%s reason=%s", month_label(month), exc.message)
        return None
