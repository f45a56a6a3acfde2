"""Reads for the HQ dashboard and the district manager's home (the rest of the reports live in
``scoring.selectors.reports``). Each function costs a fixed number of queries.

Inspector consistency: each submitted inspection takes ``100 − score`` points off (the score is already
on a 100-point scale, so N/A items do not distort it). Raters are compared only with raters of the same
instrument: an inspector's overt inspections with other inspectors' overt inspections, his remote checks
with remote checks, special checks with special checks, and a mystery-shopping vendor's visits with other
vendors' visits (a vendor's covert visit and a manager's announced one are different instruments).
Inspections with no rater (no inspector recorded, or a visit with no vendor) are left out and counted.
For every hall, month and kind of check with more than one rater, a rater's inspection is compared with
the mean of the *other* raters' inspections: difference = his points off − theirs. A rater's bias is the
mean of his differences; its z-score is bias / (σ / √n), σ being the standard deviation of all
differences of that kind of check and n his number of comparisons: how many standard errors he sits away
from his peers. |z| ≥ 2 with at least ``CONSISTENCY_MIN_COMPARISONS`` comparisons is flagged: harsh when
he takes off more than the others, lenient when less.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Min, Q, QuerySet, Sum
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from halls.i18n import name_field
from halls.months import month_add, month_start
from halls.selectors import Scope
from inspections.models import Inspection, InspectionKind, InspectionState, Rectification, RectificationState
from inspections.models.rectification import OUTSTANDING_STATES
from scoring.models import GradingRun, HallMonthResult, HallStatus, RunState
from scoring.selectors.reports import GRADES, hall_statuses_in, q2, scored_items_in, share_lost
from surveys.models import ImportBatch, ImportState

CONSISTENCY_MONTHS = 6
CONSISTENCY_MIN_COMPARISONS = 3
CONSISTENCY_Z_FLAG = 2.0
DISTRICT_HOME_LIST_LIMIT = 50


@dataclass
class Dashboard:
    month: dt.date | None
    run: GradingRun | None = None
    grades: list[dict] = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    heatmap: dict = field(default_factory=dict)
    districts: list[dict] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)
    imports_waiting: list = field(default_factory=list)
    runs_waiting: list = field(default_factory=list)
    consistency: Consistency | None = None


def _grade_distribution(*, run: GradingRun, previous: GradingRun | None) -> list[dict]:
    run_ids = [run.pk] + ([previous.pk] if previous else [])
    counts = defaultdict(int)
    rows = HallMonthResult.objects.filter(run_id__in=run_ids, graded=True).values("run_id", "grade")
    for row in rows.annotate(n=Count("pk")).order_by():
        counts[(row["run_id"], row["grade"])] = row["n"]
    result = []
    for grade in GRADES:
        now = counts[(run.pk, grade)]
        before = counts[(previous.pk, grade)] if previous else None
        result.append(
            {"grade": grade, "count": now, "previous": before, "change": None if before is None else now - before}
        )
    return result


def _status_lists(*, run: GradingRun) -> dict:
    """The halls each status applies to next month, and the star-hall nominees (one query)."""
    rows = (
        HallMonthResult.objects.filter(run=run, graded=True)
        .filter(~Q(next_status=HallStatus.NORMAL) | Q(star_nominee=True))
        .select_related("hall__district")
        .order_by("rank_city", "hall__code")
    )
    lists = {status: [] for status in (HallStatus.EXEMPT, HallStatus.MONITORED, HallStatus.SUPERVISED)}
    nominees = []
    for row in rows:
        if row.next_status in lists:
            lists[row.next_status].append(row)
        if row.star_nominee:
            nominees.append(row)
    groups = [{"status": s, "label": HallStatus(s).label, "results": r} for s, r in lists.items()]
    groups.append({"status": "star", "label": _("星级厅提名"), "results": nominees})
    return {"groups": groups}


def _weak_item_heatmap(*, month: dt.date) -> dict:
    """Level-2 indicators × districts, the share of points lost in the month's inspections (one query)."""
    parent = "indicator__parent__"
    rows = list(
        scored_items_in(months=[month])
        .values(f"{parent}code", "inspection__hall__district_id")
        .annotate(
            name=Min(name_field(parent)),
            order=Min(f"{parent}order"),
            district=Min("inspection__hall__district__name"),
            district_code=Min("inspection__hall__district__code"),
            max_total=Sum("max_points"),
            awarded=Sum("points"),
        )
        .order_by()
    )
    indicators = sorted({(r["order"], r[f"{parent}code"], r["name"]) for r in rows})
    districts = sorted({(r["district_code"], r["inspection__hall__district_id"], r["district"]) for r in rows})
    y_index = {code: i for i, (_o, code, _n) in enumerate(indicators)}
    x_index = {pk: i for i, (_c, pk, _n) in enumerate(districts)}
    cells = [
        [
            x_index[r["inspection__hall__district_id"]],
            y_index[r[f"{parent}code"]],
            float(share_lost(r["max_total"], r["awarded"]) or 0),
        ]
        for r in rows
    ]
    return {
        "x": [name for _c, _pk, name in districts],
        "y": [name for _o, _code, name in indicators],
        "cells": cells,
        "max": max((c[2] for c in cells), default=0),
        "label": str(_("失分率(%)")),
    }


def _comparison(*, run: GradingRun, by: str) -> list[dict]:
    rows = (
        HallMonthResult.objects.filter(run=run, graded=True)
        .values(f"hall__{by}_id", f"hall__{by}__name", f"hall__{by}__code")
        .annotate(
            halls=Count("pk"),
            average=Avg("composite"),
            **{f"grade_{g}": Count("pk", filter=Q(grade=g)) for g in GRADES},
        )
        .order_by(f"hall__{by}__code")
    )
    return [
        {
            "name": row[f"hall__{by}__name"],
            "halls": row["halls"],
            "average": q2(row["average"]),
            "grades": [row[f"grade_{g}"] for g in GRADES],
        }
        for row in rows
    ]


# What each kind of check's figures are compared with, as the consistency table says it.
COMPARED_WITH = {
    InspectionKind.OVERT: _("同厅同月其他检查人的明查"),
    InspectionKind.REMOTE: _("同厅同月其他检查人的远程监控"),
    InspectionKind.SPECIAL: _("同厅同月其他检查人的专项检查"),
    InspectionKind.MYSTERY: _("同厅同月其他暗访机构的暗访"),
}


@dataclass
class Consistency:
    rows: list[dict]
    unrated: int  # inspections in the window with no rater recorded, left out of every comparison


def _rater(kind: str, inspector_id, username, full_name, vendor) -> tuple[tuple, str, str] | None:
    """The rater of one inspection, keyed by the kind of check, or None when no rater is recorded."""
    if kind == InspectionKind.MYSTERY:
        if not vendor:
            return None
        return (kind, "vendor", vendor), vendor, str(_("暗访机构"))
    if inspector_id is None:
        return None
    return (kind, "inspector", inspector_id), full_name or username, str(_("检查人"))


def inspector_consistency(*, month: dt.date, months: int = CONSISTENCY_MONTHS) -> Consistency:
    """Each rater's points taken off against the other raters' of the same kind of check in the same halls
    and months (one query)."""
    window = [month_add(month, -offset) for offset in range(months)]
    rows = (
        Inspection.objects.filter(state=InspectionState.SUBMITTED, month__in=window, score__isnull=False)
        .annotate(full_name=Concat("inspector__last_name", "inspector__first_name"))
        .values_list("hall_id", "month", "kind", "inspector_id", "inspector__username", "full_name", "vendor", "score")
    )
    cells: dict[tuple, list[tuple[tuple, float]]] = defaultdict(list)
    raters: dict[tuple, dict] = {}
    unrated = 0
    for hall_id, m, kind, inspector_id, username, full_name, vendor, score in rows:
        rater = _rater(kind, inspector_id, username, full_name, vendor)
        if rater is None:
            unrated += 1
            continue
        key, name, role = rater
        raters.setdefault(key, {"name": name, "role": role, "inspections": 0})
        raters[key]["inspections"] += 1
        cells[(hall_id, m, kind)].append((key, 100.0 - float(score)))

    own: dict[tuple, list[float]] = defaultdict(list)
    others: dict[tuple, list[float]] = defaultdict(list)
    for entries in cells.values():
        for key, taken_off in entries:
            peers = [value for other_key, value in entries if other_key != key]
            if peers:
                own[key].append(taken_off)
                others[key].append(sum(peers) / len(peers))
    differences: dict[str, list[float]] = defaultdict(list)
    for key in own:
        differences[key[0]].extend(a - b for a, b in zip(own[key], others[key], strict=True))
    sigmas = {check: _stdev(values) for check, values in differences.items()}

    report = []
    for key, info in raters.items():
        check, kind = key[0], key[1]
        n = len(own[key])
        row = {
            **info,
            "kind": kind,
            "check": check,
            "check_label": InspectionKind(check).label,
            "compared_with": COMPARED_WITH[check],
            "comparisons": n,
            "own": None,
            "others": None,
            "bias": None,
            "z": None,
            "flag": "",
        }
        sigma = sigmas.get(check, 0.0)
        if n:
            row["own"] = q2(sum(own[key]) / n)
            row["others"] = q2(sum(others[key]) / n)
            bias = (sum(own[key]) - sum(others[key])) / n
            row["bias"] = q2(bias)
            if sigma:
                z = bias / (sigma / math.sqrt(n))
                row["z"] = round(z, 2)
                if n >= CONSISTENCY_MIN_COMPARISONS and abs(z) >= CONSISTENCY_Z_FLAG:
                    row["flag"] = "harsh" if z > 0 else "lenient"
        report.append(row)
    report.sort(key=lambda r: (r["z"] is None, -abs(r["z"] or 0), r["name"], r["check"]))
    return Consistency(rows=report, unrated=unrated)


def _stdev(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def hq_dashboard(*, runs: dict[dt.date, GradingRun], month: dt.date | None) -> Dashboard:
    dashboard = Dashboard(month=month, run=runs.get(month) if month else None)
    dashboard.imports_waiting = list(
        ImportBatch.objects.filter(state__in=[ImportState.PENDING, ImportState.RUNNING]).order_by("uploaded_at")[:20]
    )
    dashboard.runs_waiting = list(
        GradingRun.objects.filter(state__in=[RunState.RUNNING, RunState.DRAFT], is_what_if=False).order_by("-month")[
            :20
        ]
    )
    if month is None:
        return dashboard
    dashboard.heatmap = _weak_item_heatmap(month=month)
    dashboard.consistency = inspector_consistency(month=month)
    if dashboard.run is None:
        return dashboard
    dashboard.grades = _grade_distribution(run=dashboard.run, previous=runs.get(month_add(month, -1)))
    dashboard.statuses = _status_lists(run=dashboard.run)
    dashboard.districts = _comparison(run=dashboard.run, by="district")
    dashboard.units = _comparison(run=dashboard.run, by="marketing_unit")
    return dashboard


# --- District manager home ------------------------------------------------------------------------


@dataclass
class DistrictHome:
    month: dt.date
    result_month: dt.date | None
    result_is_draft: bool
    rows: list[dict]
    inspections_due: list[dict]
    to_verify: list
    overdue: list
    # The lists above show the first ``DISTRICT_HOME_LIST_LIMIT``; these count them all.
    to_verify_count: int = 0
    overdue_count: int = 0


def district_home(*, scope: Scope, halls: QuerySet, runs: dict[dt.date, GradingRun], today: dt.date) -> DistrictHome:
    """The district manager's halls this month: last graded result, status carried this month, overt
    inspections done; the halls still due an overt inspection (exempt halls, which are spared overt
    inspection, excluded; remote checks and mystery visits do not count), the rectifications
    waiting for his verification and the overdue ones: the first ``DISTRICT_HOME_LIST_LIMIT`` of each, and
    how many there are in all (a count, not the length of the cut list). Nine queries whatever the number
    of halls."""
    month = month_start(today)
    halls = list(halls)
    hall_ids = [hall.pk for hall in halls]
    result_month = next(iter(runs), None)
    results = {}
    if result_month is not None:
        results = {r.hall_id: r for r in HallMonthResult.objects.filter(run=runs[result_month], hall_id__in=hall_ids)}
    statuses = hall_statuses_in(hall_ids=hall_ids, month=month)
    inspected = dict(
        Inspection.objects.filter(
            hall_id__in=hall_ids, month=month, state=InspectionState.SUBMITTED, kind=InspectionKind.OVERT
        )
        .values("hall_id")
        .annotate(n=Count("pk"))
        .values_list("hall_id", "n")
    )
    open_counts = dict(
        Rectification.objects.filter(hall_id__in=hall_ids, state__in=OUTSTANDING_STATES)
        .values("hall_id")
        .annotate(n=Count("pk"))
        .values_list("hall_id", "n")
    )
    rows = [
        {
            "hall": hall,
            "result": results.get(hall.pk),
            "status": HallStatus(statuses[hall.pk]),
            "inspections": inspected.get(hall.pk, 0),
            "open_rectifications": open_counts.get(hall.pk, 0),
        }
        for hall in halls
    ]
    # A hall closed this month or before is not due (nor graded): its closing month is its first month out.
    next_month = month_add(month, 1)
    due = [
        row
        for row in rows
        if row["status"] != HallStatus.EXEMPT
        and not row["inspections"]
        and (row["hall"].closed_on is None or row["hall"].closed_on >= next_month)
    ]
    in_scope = scope.filter(Rectification.objects.all()).select_related("hall", "indicator")
    to_verify = in_scope.filter(state=RectificationState.FIXED)
    overdue = in_scope.filter(state__in=OUTSTANDING_STATES, due_date__lt=today)
    return DistrictHome(
        month=month,
        result_month=result_month,
        result_is_draft=result_month is not None and runs[result_month].state != RunState.PUBLISHED,
        rows=rows,
        inspections_due=due,
        to_verify=list(to_verify.order_by("fixed_at", "pk")[:DISTRICT_HOME_LIST_LIMIT]),
        overdue=list(overdue.order_by("due_date", "pk")[:DISTRICT_HOME_LIST_LIMIT]),
        to_verify_count=to_verify.count(),
        overdue_count=overdue.count(),
    )
