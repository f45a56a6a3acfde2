"""Reads for grading: which months are frozen, which policy governs a month, published results."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.errors import ApplicationError
from halls.months import month_add, month_start
from halls.selectors import policy_in_force  # noqa: F401  (named here too, for the apps above)
from inspections.models import Appeal, AppealState
from scoring.models import (
    Grade,
    GradingPolicy,
    GradingRun,
    HallMonthResult,
    HallStatus,
    PolicyState,
    ResultChange,
    RunState,
)


def month_is_published(*, month: dt.date) -> bool:
    """A published month is frozen: evidence for it can no longer be added or changed."""
    return GradingRun.objects.filter(month=month_start(month), state=RunState.PUBLISHED, is_what_if=False).exists()


FROZEN_MESSAGE = gettext_noop("{month} 的评定结果已发布，该月已冻结：不能再新增或修改该月的数据，也不能再申诉")


def month_open_check(*, month: dt.date) -> None:
    """For services that add or change evidence (or take appeals) for ``month``: refuse a frozen month."""
    if month_is_published(month=month):
        raise ApplicationError(_(FROZEN_MESSAGE).format(month=f"{month_start(month):%Y-%m}"))


def hall_status_in(*, hall_id: int, month: dt.date) -> str:
    """The status a hall carries in ``month``: set by the published grading of the month before."""
    previous = month_add(month_start(month), -1)
    status = (
        HallMonthResult.objects.filter(
            hall_id=hall_id, month=previous, run__state=RunState.PUBLISHED, run__is_what_if=False
        )
        .values_list("next_status", flat=True)
        .first()
    )
    return status or HallStatus.NORMAL


def policy_list() -> QuerySet[GradingPolicy]:
    return GradingPolicy.objects.select_related("created_by").order_by("-version")


def policy_draft_list() -> QuerySet[GradingPolicy]:
    return policy_list().filter(state=PolicyState.DRAFT)


def run_list(*, limit: int = 36) -> list[GradingRun]:
    """The latest runs, newest month first, what-if runs included (the page labels them)."""
    return runs_mark_stale(
        list(
            GradingRun.objects.select_related("policy", "scheme", "started_by", "published_by").order_by(
                "-month", "is_what_if", "-revision"
            )[:limit]
        )
    )


def run_get(*, pk: int) -> GradingRun:
    try:
        return GradingRun.objects.select_related("policy", "scheme", "started_by", "published_by").get(pk=pk)
    except GradingRun.DoesNotExist as exc:
        raise Http404("No such grading run") from exc


def run_progress_get(*, pk: int) -> GradingRun:
    """The run with only what its progress answer shows (the page polls it every second or two while a run
    goes on): none of the four related rows that run_get joins."""
    try:
        return GradingRun.objects.only("state", "progress", "message", "message_params").get(pk=pk)
    except GradingRun.DoesNotExist as exc:
        raise Http404("No such grading run") from exc


def run_live_for_month(*, month: dt.date) -> GradingRun | None:
    """The run a month's figures come from: the published one, else the newest draft."""
    runs = GradingRun.objects.filter(month=month_start(month), is_what_if=False)
    return (
        runs.filter(state=RunState.PUBLISHED).first() or runs.filter(state=RunState.DRAFT).order_by("-revision").first()
    )


def run_results(*, run: GradingRun) -> QuerySet[HallMonthResult]:
    return (
        HallMonthResult.objects.filter(run=run)
        .select_related("hall__district__city")
        .order_by("hall__district__city__code", F("rank_city").asc(nulls_last=True), "hall__code")
    )


def _by_hall(run: GradingRun | None) -> dict[int, HallMonthResult]:
    if run is None:
        return {}
    return {r.hall_id: r for r in HallMonthResult.objects.filter(run=run)}


def run_review(*, run: GradingRun, movers: int = 10) -> dict:
    """What HQ checks before publishing: the grade distribution, the biggest movers against last month's
    published results, the halls not graded and why, the status changes, and a re-grading's changes."""
    results = list(run_results(run=run))
    previous_run = GradingRun.objects.filter(
        month=month_add(run.month, -1), state=RunState.PUBLISHED, is_what_if=False
    ).first()
    previous = _by_hall(previous_run)
    distribution = {grade: 0 for grade in Grade.values}
    moves = []
    for row in results:
        if row.graded:
            distribution[row.grade] += 1
        before = previous.get(row.hall_id)
        if row.graded and before is not None and before.graded:
            moves.append(
                {
                    "result": row,
                    "before": before.composite,
                    "delta": row.composite - before.composite,
                    "rank_before": before.rank_city,
                }
            )
    moves.sort(key=lambda m: (-abs(m["delta"]), m["result"].hall.code))
    return {
        "results": results,
        "distribution": distribution,
        "previous_run": previous_run,
        "movers": moves[:movers],
        "not_graded": [row for row in results if not row.graded],
        "status_changes": [row for row in results if row.status != row.next_status],
        "changes": list(ResultChange.objects.filter(run=run).select_related("hall")),
    }


def run_differences(*, run: GradingRun, against: GradingRun | None) -> list[dict]:
    """Per hall, how ``run`` (a what-if) differs from ``against`` (the live run of the month)."""
    live = _by_hall(against)
    rows = []
    for row in run_results(run=run):
        before = live.get(row.hall_id)
        figures = ("composite", "grade", "rank_city", "next_status")
        if before is not None and all(getattr(before, f) == getattr(row, f) for f in figures):
            continue
        delta = (
            row.composite - before.composite
            if before is not None and row.composite is not None and before.composite is not None
            else None
        )
        rows.append({"result": row, "live": before, "delta": delta})
    return rows


def publish_preview(*, run: GradingRun) -> dict:
    """What publishing ``run`` will do, for HQ to read before confirming: the halls graded, the statuses the
    halls will carry next month (by status, in SQL), the revision it replaces, the appeals still pending."""
    rows = HallMonthResult.objects.filter(run=run)
    by_status = dict(rows.order_by().values_list("next_status").annotate(n=Count("pk")))
    return {
        "graded": rows.filter(graded=True).count(),
        "not_graded": rows.filter(graded=False).count(),
        "next_month": month_add(run.month, 1),
        "next_statuses": [
            (label, by_status.get(value, 0)) for value, label in HallStatus.choices if value != HallStatus.NORMAL
        ],
        "replaces": GradingRun.objects.filter(month=run.month, state=RunState.PUBLISHED, is_what_if=False).first(),
        "pending_appeals": Appeal.objects.filter(inspection__month=run.month, state=AppealState.PENDING).count(),
    }


STALE_DRAFT_MESSAGE = gettext_noop("{month} 的评定草稿依据的是上月重评前的状态，已过时：请重新评定本月后再发布")


def _regraded_at(months: set[dt.date]) -> dict[dt.date, dt.datetime]:
    """{month: when its latest revision was published} for those of ``months`` that were re-graded (a revision
    published over an earlier one)."""
    regraded = set(
        GradingRun.objects.filter(month__in=months, state=RunState.SUPERSEDED, is_what_if=False).values_list(
            "month", flat=True
        )
    )
    return dict(
        GradingRun.objects.filter(month__in=regraded, state=RunState.PUBLISHED).values_list("month", "published_at")
    )


def runs_mark_stale(runs: list[GradingRun]) -> list[GradingRun]:
    """Set ``is_stale`` on each run: a draft graded before the month before was re-graded and published again
    carries the old statuses (streaks, statuses for next month) and must be graded again before publication."""
    drafts = [run for run in runs if run.state == RunState.DRAFT and not run.is_what_if]
    regraded = _regraded_at({month_add(run.month, -1) for run in drafts})
    for run in runs:
        published_at = regraded.get(month_add(run.month, -1))
        run.is_stale = run in drafts and published_at is not None and published_at > run.started_at
    return runs


def run_is_stale(*, run: GradingRun) -> bool:
    return runs_mark_stale([run])[0].is_stale
