"""Reads for the monthly bulletins (通报): which bulletins a user may list and download, and what one says.

A bulletin covers the halls of the province, of one city or of one district in a published month: grades
and their change against last month, the best and worst halls and the biggest movers, the statuses for next
month, the weakest indicators, a heat map (level-2 indicators × the scope's cities, districts or halls),
the overdue rectifications, and the month's complaints and satisfaction. Every figure is one aggregate query
over the scope, whatever its size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Case, Count, Min, Q, QuerySet, Sum, When
from django.http import Http404

from halls.i18n import name_field
from halls.models import Role
from halls.months import month_add
from halls.selectors import Scope
from inspections.models import Rectification
from inspections.models.rectification import OUTSTANDING_STATES
from scoring.models import Bulletin, BulletinLevel, GradingRun, HallMonthResult, HallStatus, RunState
from scoring.selectors.reports import (
    GRADES,
    RankingFilter,
    q2,
    ranking_movers,
    ranking_results,
    scored_items_in,
    share_lost,
)
from surveys.models import Complaint, SurveyKind, SurveyResponse

TOP_LIMIT = 5
WEAK_LIMIT = 8
OVERDUE_LIMIT = 15
STATUS_LIST_LIMIT = 30


# --- Which bulletins a user sees ---------------------------------------------------------------------


def bulletin_list(*, scope: Scope) -> QuerySet[Bulletin]:
    """HQ every bulletin; a city company (地市客服) the province's, its cities' and their districts'; a
    district manager his districts'; a hall manager and a user without role none."""
    # The province first, then each city followed by its districts.
    level_order = Case(When(level=BulletinLevel.PROVINCE, then=0), When(level=BulletinLevel.CITY, then=1), default=2)
    qs = (
        Bulletin.objects.select_related("city", "district", "run")
        .defer("pdf")
        .order_by("-month", "city__code", level_order, "district__code")
    )
    if scope.is_hq:
        return qs
    if scope.is_city_manager:
        return qs.filter(
            Q(level=BulletinLevel.PROVINCE)
            | Q(level=BulletinLevel.CITY, city_id__in=scope.city_ids)
            | Q(level=BulletinLevel.DISTRICT, district_id__in=scope.district_ids)
        )
    if scope.is_district_manager:
        return qs.filter(level=BulletinLevel.DISTRICT, district_id__in=scope.district_ids)
    return qs.none()


def bulletin_get(*, scope: Scope, pk: int) -> Bulletin:
    """A bulletin the user may download, with its PDF; 404 outside his scope."""
    try:
        return bulletin_list(scope=scope).defer(None).get(pk=pk)
    except Bulletin.DoesNotExist as exc:
        raise Http404("No bulletin in your scope matches") from exc


def bulletin_months(*, scope: Scope) -> list[dt.date]:
    """Published months for which HQ may ask for bulletins, newest first."""
    if not scope.is_hq:
        return []
    runs = GradingRun.objects.filter(state=RunState.PUBLISHED, is_what_if=False)
    return list(runs.order_by("-month").values_list("month", flat=True))


# --- What a bulletin says ------------------------------------------------------------------------------


@dataclass
class BulletinContent:
    bulletin: Bulletin
    month: dt.date
    as_of: dt.date
    halls_graded: int = 0
    halls_not_graded: int = 0
    average: Decimal | None = None
    previous_average: Decimal | None = None
    grades: list[dict] = field(default_factory=list)
    best: list = field(default_factory=list)
    worst: list = field(default_factory=list)
    movers: dict = field(default_factory=dict)
    statuses: list[dict] = field(default_factory=list)
    weak: list[dict] = field(default_factory=list)
    heatmap: dict = field(default_factory=dict)
    overdue_count: int = 0
    overdue: list = field(default_factory=list)
    complaints: dict = field(default_factory=dict)
    satisfaction: dict = field(default_factory=dict)

    @property
    def average_change(self) -> Decimal | None:
        if self.average is None or self.previous_average is None:
            return None
        return self.average - self.previous_average


def _hall_filter(bulletin: Bulletin, path: str) -> Q:
    """The bulletin's halls, reached from a model by ``path`` ("hall__" for a FK to Hall)."""
    if bulletin.level == BulletinLevel.CITY:
        return Q(**{f"{path}district__city_id": bulletin.city_id})
    if bulletin.level == BulletinLevel.DISTRICT:
        return Q(**{f"{path}district_id": bulletin.district_id})
    return Q()


def _previous_run(run: GradingRun) -> GradingRun | None:
    return GradingRun.objects.filter(month=month_add(run.month, -1), state=RunState.PUBLISHED, is_what_if=False).first()


def _grades(*, run: GradingRun, previous: GradingRun | None, scope_q: Q) -> tuple[list[dict], dict]:
    """Halls per grade this month and last (one query), and the averages and counts of this month."""
    run_ids = [run.pk] + ([previous.pk] if previous else [])
    rows = (
        HallMonthResult.objects.filter(scope_q, run_id__in=run_ids)
        .values("run_id", "graded", "grade")
        .annotate(n=Count("pk"), total=Sum("composite"))
        .order_by()
    )
    counts: dict[tuple, int] = {}
    totals = {"graded": {}, "not_graded": 0, "sum": {}}
    for row in rows:
        if not row["graded"]:
            if row["run_id"] == run.pk:
                totals["not_graded"] += row["n"]
            continue
        counts[(row["run_id"], row["grade"])] = row["n"]
        totals["graded"][row["run_id"]] = totals["graded"].get(row["run_id"], 0) + row["n"]
        totals["sum"][row["run_id"]] = totals["sum"].get(row["run_id"], Decimal(0)) + (row["total"] or 0)
    grades = []
    for grade in GRADES:
        now = counts.get((run.pk, grade), 0)
        before = counts.get((previous.pk, grade), 0) if previous else None
        grades.append(
            {"grade": grade, "count": now, "previous": before, "change": None if before is None else now - before}
        )

    def average(run_id):
        n = totals["graded"].get(run_id)
        return q2(totals["sum"][run_id] / n) if n else None

    return grades, {
        "graded": totals["graded"].get(run.pk, 0),
        "not_graded": totals["not_graded"],
        "average": average(run.pk),
        "previous_average": average(previous.pk) if previous else None,
    }


def _statuses(*, run: GradingRun, scope_q: Q) -> list[dict]:
    """Each status other than normal for next month: how many halls, and which (the first thirty)."""
    rows = (
        HallMonthResult.objects.filter(scope_q, run=run, graded=True)
        .exclude(next_status=HallStatus.NORMAL)
        .select_related("hall__district")
        .order_by("next_status", "rank_city", "hall__code")
    )
    groups = {status: [] for status in (HallStatus.SUPERVISED, HallStatus.MONITORED, HallStatus.EXEMPT)}
    counts = dict(
        HallMonthResult.objects.filter(scope_q, run=run, graded=True)
        .values_list("next_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for status in groups:
        groups[status] = list(rows.filter(next_status=status)[:STATUS_LIST_LIMIT])
    return [
        {"status": status, "label": HallStatus(status).label, "count": counts.get(status, 0), "results": results}
        for status, results in groups.items()
    ]


def _weakest(*, month: dt.date, scope_q: Q) -> list[dict]:
    """Level-3 indicators by share of points lost in the scope's inspections of the month (one query):
    lost = Σ(max − awarded) / Σ max × 100."""
    rows = (
        scored_items_in(months=[month])
        .filter(scope_q)
        .values("indicator__code")
        .annotate(
            name=Min(name_field("indicator__")),
            parent=Min(name_field("indicator__parent__")),
            max_total=Sum("max_points"),
            awarded=Sum("points"),
            checks=Count("pk"),
        )
        .order_by()
    )
    weak = []
    for row in rows:
        share = share_lost(row["max_total"], row["awarded"])
        if share:
            weak.append({**row, "code": row["indicator__code"], "share_lost": share})
    weak.sort(key=lambda item: (-item["share_lost"], item["code"]))
    return weak[:WEAK_LIMIT]


def _heatmap(*, bulletin: Bulletin, month: dt.date, scope_q: Q) -> dict:
    """Share of points lost, level-2 indicators (rows) × the scope's parts (columns): cities of the
    province, districts of a city, halls of a district (one query)."""
    part = {
        BulletinLevel.PROVINCE: "inspection__hall__district__city__",
        BulletinLevel.CITY: "inspection__hall__district__",
        BulletinLevel.DISTRICT: "inspection__hall__",
    }[bulletin.level]
    parent = "indicator__parent__"
    rows = list(
        scored_items_in(months=[month])
        .filter(scope_q)
        .values(f"{parent}code", f"{part}code")
        .annotate(
            name=Min(name_field(parent)),
            order=Min(f"{parent}order"),
            part=Min(f"{part}name"),
            max_total=Sum("max_points"),
            awarded=Sum("points"),
        )
        .order_by()
    )
    indicators = sorted({(r["order"], r[f"{parent}code"], r["name"]) for r in rows})
    parts = sorted({(r[f"{part}code"], r["part"]) for r in rows})
    cells = {(r[f"{parent}code"], r[f"{part}code"]): share_lost(r["max_total"], r["awarded"]) for r in rows}
    return {
        "columns": [name for _code, name in parts],
        "rows": [
            {"name": name, "cells": [cells.get((code, part_code)) for part_code, _n in parts]}
            for _order, code, name in indicators
        ],
    }


def _overdue(*, scope_q: Q, as_of: dt.date) -> tuple[int, list]:
    overdue = Rectification.objects.filter(scope_q, state__in=OUTSTANDING_STATES, due_date__lt=as_of)
    shown = overdue.select_related("hall__district", "indicator").order_by("due_date", "pk")[:OVERDUE_LIMIT]
    return overdue.count(), list(shown)


def _complaints(*, month: dt.date, scope_q: Q) -> dict:
    """The month's complaints: how many, how many substantiated, the top categories (two queries)."""
    complaints = Complaint.objects.filter(scope_q, month=month)
    totals = complaints.aggregate(total=Count("pk"), substantiated=Count("pk", filter=Q(substantiated=True)))
    categories = list(complaints.values("category").annotate(n=Count("pk")).order_by("-n", "category")[:3])
    return {**totals, "categories": categories}


def _satisfaction(*, month: dt.date, scope_q: Q) -> dict:
    """Customer-satisfaction responses of the month: how many, the average overall score, and the three
    halls with the lowest average (two queries)."""
    responses = SurveyResponse.objects.filter(scope_q, month=month, survey__kind=SurveyKind.CUSTOMER)
    totals = responses.aggregate(responses=Count("pk"), average=Avg("overall"))
    lowest = list(
        responses.values("hall__code", "hall__name")
        .annotate(average=Avg("overall"), n=Count("pk"))
        .order_by("average", "hall__code")[:3]
    )
    for row in lowest:
        row["average"] = q2(row["average"])
    return {"responses": totals["responses"], "average": q2(totals["average"]), "lowest": lowest}


def bulletin_content(*, bulletin: Bulletin, as_of: dt.date) -> BulletinContent:
    """Everything the bulletin shows, for its run's month; rectifications overdue on ``as_of``."""
    run = bulletin.run
    previous = _previous_run(run)
    content = BulletinContent(bulletin=bulletin, month=run.month, as_of=as_of)
    result_q = _hall_filter(bulletin, "hall__")
    content.grades, totals = _grades(run=run, previous=previous, scope_q=result_q)
    content.halls_graded, content.halls_not_graded = totals["graded"], totals["not_graded"]
    content.average, content.previous_average = totals["average"], totals["previous_average"]
    runs = {run.month: run, **({previous.month: previous} if previous else {})}
    criteria = RankingFilter(month=run.month, city_id=bulletin.city_id, district_id=bulletin.district_id)
    results = ranking_results(scope=Scope(role=Role.HQ), runs=runs, criteria=criteria)
    content.best = list(results.order_by("-composite", "hall__code")[:TOP_LIMIT])
    content.worst = list(results.order_by("composite", "hall__code")[:TOP_LIMIT])
    content.movers = ranking_movers(results=results, limit=TOP_LIMIT)
    content.statuses = _statuses(run=run, scope_q=result_q)
    item_q = _hall_filter(bulletin, "inspection__hall__")
    content.weak = _weakest(month=run.month, scope_q=item_q)
    content.heatmap = _heatmap(bulletin=bulletin, month=run.month, scope_q=item_q)
    content.overdue_count, content.overdue = _overdue(scope_q=result_q, as_of=as_of)
    content.complaints = _complaints(month=run.month, scope_q=result_q)
    content.satisfaction = _satisfaction(month=run.month, scope_q=result_q)
    return content


def bulletin_recipients(*, bulletin: Bulletin) -> list[str]:
    """The e-mail addresses of the scope's managers: HQ for the province, the city company's customer
    service for a city, the district managers for a district (those with an address)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if bulletin.level == BulletinLevel.PROVINCE:
        users = users.filter(profile__role=Role.HQ)
    elif bulletin.level == BulletinLevel.CITY:
        users = users.filter(profile__role=Role.CITY_MANAGER, profile__cities=bulletin.city_id)
    else:
        users = users.filter(profile__role=Role.DISTRICT_MANAGER, profile__districts=bulletin.district_id)
    return sorted(set(users.values_list("email", flat=True)))
