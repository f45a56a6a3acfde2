"""Reading one month's evidence for grading in a handful of bulk queries, whatever the number of halls."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from functools import partial

import pandas as pd
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast

from halls.db import reads_side_by_side
from halls.frames import queryset_frame
from halls.models import Hall
from halls.months import month_add
from inspections.models import Indicator, IndicatorKind, IndicatorScheme, Inspection, InspectionItem, InspectionKind
from inspections.models.inspection import InspectionState
from scoring.models import HallMonthResult, RunState
from scoring.services.compute import EVIDENCE_COLUMNS, HISTORY_COLUMNS
from surveys.models import ActivityParticipation, AdjustmentKind, Complaint, HallAdjustment
from surveys.selectors import satisfaction_index_frame

ZERO = Decimal("0")


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _in_city(city_id: int | None, hall_path: str = "hall") -> Q:
    """Only ``city_id``'s rows (grading across workers computes one city at a time); all rows for None."""
    return Q() if city_id is None else Q(**{f"{hall_path}__district__city_id": city_id})


def hall_open_q(month: dt.date) -> Q:
    """Halls graded, ranked and split in ``month``: opened by its end, and not closed in it or before.

    A hall closed in a month (its closing month, as the hall file gives it) is left out of that month and
    every later one; the months before keep it, and their stored results are never touched."""
    return Q(opened_on__lte=month_end(month)) & (Q(closed_on__isnull=True) | Q(closed_on__gt=month_end(month)))


def halls_open_frame(*, month: dt.date, city_id: int | None = None) -> pd.DataFrame:
    """Halls open in ``month`` (one query, see :func:`hall_open_q`)."""
    rows = (
        Hall.objects.filter(hall_open_q(month))
        .filter(Q() if city_id is None else Q(district__city_id=city_id))
        .values("district_id", "kind", hall_id=F("pk"), city_id=F("district__city_id"))
        .order_by("pk")
    )
    return queryset_frame(rows)[["hall_id", "city_id", "district_id", "kind"]]


def cities_open(*, month: dt.date) -> list[int]:
    """The cities with at least one hall open in ``month`` (one query): the chunks of grading across workers."""
    return list(
        Hall.objects.filter(hall_open_q(month))
        .values_list("district__city_id", flat=True)
        .distinct()
        .order_by("district__city_id")
    )


def _float_sum(column: str, when: Q | None = None) -> Cast:
    """A sum the database hands back as a float (no ``Decimal`` built per value); NULL where no row counts."""
    return Cast(Sum(column, filter=when), FloatField())


# The inspection figures of a hall's month, per hall: mystery visits, on-site checks (overt, special) and
# remote checks apart; bonus, deductions and vetoes over visits and on-site checks, and of remote checks
# apart (whether remote checks count is the policy's, decided in ``compute.city_scores``).
TOTAL_COLUMNS = [
    "mystery_awarded",
    "mystery_applicable",
    "inspection_awarded",
    "inspection_applicable",
    "bonus",
    "deduction",
    "vetoes",
    "remote_awarded",
    "remote_applicable",
    "remote_bonus",
    "remote_deduction",
    "remote_vetoes",
]


def inspection_totals_query(*, month: dt.date, city_id: int | None = None) -> QuerySet:
    """Stored totals of the month's submitted inspections and visits, summed per hall (one query, one row per
    hall: grouping by hall alone keeps the aggregate small enough for memory). The bench times this query
    alone as grading's input."""
    mystery = Q(kind=InspectionKind.MYSTERY)
    remote = Q(kind=InspectionKind.REMOTE)
    on_site = ~mystery & ~remote
    return (
        Inspection.objects.filter(_in_city(city_id), month=month, state=InspectionState.SUBMITTED)
        .values("hall_id")
        .annotate(
            mystery_awarded=_float_sum("points_awarded", mystery),
            mystery_applicable=_float_sum("points_applicable", mystery),
            inspection_awarded=_float_sum("points_awarded", on_site),
            inspection_applicable=_float_sum("points_applicable", on_site),
            bonus=_float_sum("bonus_points", ~remote),
            deduction=_float_sum("deduction_points", ~remote),
            vetoes=Count("pk", filter=Q(vetoed=True) & ~remote),
            remote_awarded=_float_sum("points_awarded", remote),
            remote_applicable=_float_sum("points_applicable", remote),
            remote_bonus=_float_sum("bonus_points", remote),
            remote_deduction=_float_sum("deduction_points", remote),
            remote_vetoes=Count("pk", filter=Q(vetoed=True) & remote),
        )
        .order_by()
    )


def _inspection_totals(*, month: dt.date, city_id: int | None = None) -> pd.DataFrame:
    return queryset_frame(inspection_totals_query(month=month, city_id=city_id))


def _per_hall(totals: pd.DataFrame) -> pd.DataFrame:
    """Per-(hall, kind) sums as :func:`_inspection_totals` gives them: one row per hall, mystery visits,
    on-site and remote checks apart (NaN where the hall had none of that kind), bonus, deductions and vetoes
    over visits and on-site checks, and of remote checks apart."""
    numeric = ["awarded", "applicable", "bonus", "deduction", "vetoes"]
    totals = totals.astype(dict.fromkeys(numeric, float))
    is_mystery = totals["kind"] == InspectionKind.MYSTERY
    is_remote = totals["kind"] == InspectionKind.REMOTE
    mystery = totals[is_mystery].groupby("hall_id")[["awarded", "applicable"]].sum()
    on_site = totals[~is_mystery & ~is_remote].groupby("hall_id")[["awarded", "applicable"]].sum()
    remote = totals[is_remote].groupby("hall_id")[numeric].sum()
    frame = totals[~is_remote].groupby("hall_id")[["bonus", "deduction", "vetoes"]].sum()
    frame = frame.reindex(totals["hall_id"].unique())
    frame["mystery_awarded"] = mystery["awarded"]
    frame["mystery_applicable"] = mystery["applicable"]
    frame["inspection_awarded"] = on_site["awarded"]
    frame["inspection_applicable"] = on_site["applicable"]
    for column in numeric:
        frame[f"remote_{column}"] = remote[column]
    frame.index.name = "hall_id"
    return frame.reset_index()[["hall_id", *TOTAL_COLUMNS]]


def _inspection_totals_on_scheme(
    *, month: dt.date, scheme: IndicatorScheme, city_id: int | None = None
) -> pd.DataFrame:
    """What-if: the month's inspection items re-scored against ``scheme`` (matched by indicator code).

    A scored item keeps its share of its points (8 of 10 becomes 12 of 15 when the item is worth 15),
    items the scheme lacks drop out, and veto, bonus and deduction follow the scheme's kinds.
    """
    targets = {
        code: (kind, points)
        for code, kind, points in Indicator.objects.filter(scheme=scheme, is_complaint=False).values_list(
            "code", "kind", "points"
        )
    }
    items = (
        InspectionItem.objects.filter(
            _in_city(city_id, "inspection__hall"), inspection__month=month, inspection__state=InspectionState.SUBMITTED
        )
        .exclude(veto_cleared=True)  # a veto cleared on appeal, as in the stored totals
        .values_list(
            "inspection_id",
            "inspection__hall_id",
            "inspection__kind",
            "indicator__code",
            "points",
            "max_points",
            "not_applicable",
        )
        .order_by("pk")
    )
    records = []
    for inspection_id, hall_id, kind, code, points, max_points, not_applicable in items:
        if code not in targets:
            continue
        target_kind, target_points = targets[code]
        awarded = applicable = bonus = deduction = ZERO
        veto = 0
        if target_kind == IndicatorKind.SCORED and target_points and not not_applicable and points is not None:
            applicable = target_points
            awarded = points / max_points * target_points if max_points else ZERO
        elif target_kind == IndicatorKind.VETO:
            veto = 1
        elif target_kind == IndicatorKind.BONUS:
            bonus = points or ZERO
        elif target_kind == IndicatorKind.DEDUCTION:
            deduction = points or ZERO
        records.append((inspection_id, hall_id, kind, awarded, applicable, bonus, deduction, veto))
    frame = pd.DataFrame.from_records(
        records, columns=["inspection_id", "hall_id", "kind", "awarded", "applicable", "bonus", "deduction", "veto"]
    )
    per_inspection = frame.groupby(["inspection_id", "hall_id", "kind"], as_index=False).agg(
        awarded=("awarded", "sum"),
        applicable=("applicable", "sum"),
        bonus=("bonus", "sum"),
        deduction=("deduction", "sum"),
        vetoes=("veto", "max"),
    )
    return _per_hall(
        per_inspection.groupby(["hall_id", "kind"], as_index=False)[
            ["awarded", "applicable", "bonus", "deduction", "vetoes"]
        ].sum()
    )


def _complaint_counts(*, month: dt.date, city_id: int | None = None) -> pd.DataFrame:
    rows = (
        Complaint.objects.filter(_in_city(city_id), month=month)
        .values("hall_id")
        .annotate(substantiated=Count("pk", filter=Q(substantiated=True)))
        .order_by()
    )
    return queryset_frame(rows)


def _adjustments(*, month: dt.date, city_id: int | None = None) -> pd.DataFrame:
    rows = (
        HallAdjustment.objects.filter(_in_city(city_id), month=month)
        .values("hall_id")
        .annotate(
            adj_bonus=_float_sum("points", Q(kind=AdjustmentKind.BONUS)),
            adj_deduction=_float_sum("points", Q(kind=AdjustmentKind.DEDUCTION)),
        )
        .order_by()
    )
    return queryset_frame(rows)


def _activity_points(*, month: dt.date, city_id: int | None = None) -> pd.DataFrame:
    """The month's activity-participation points (活动参与积分) per hall."""
    rows = (
        ActivityParticipation.objects.filter(_in_city(city_id), month=month)
        .values("hall_id")
        .annotate(activity=_float_sum("points"))
        .order_by()
    )
    return queryset_frame(rows)


def evidence_frame(
    *, month: dt.date, scheme: IndicatorScheme | None = None, city_id: int | None = None
) -> pd.DataFrame:
    """One row per hall open in ``month`` with everything grading needs (``EVIDENCE_COLUMNS``); only
    ``city_id``'s halls when given (a chunk of grading across workers).

    Six queries (seven with a what-if scheme): halls, inspection totals, satisfaction, complaints, adjustments,
    activity points, side by side where the database allows (:func:`halls.db.reads_side_by_side`).
    """
    halls, totals, satisfaction, complaints, adjustments, activity = reads_side_by_side(
        partial(halls_open_frame, month=month, city_id=city_id),
        partial(_inspection_totals, month=month, city_id=city_id)
        if scheme is None
        else partial(_inspection_totals_on_scheme, month=month, scheme=scheme, city_id=city_id),
        partial(satisfaction_index_frame, month=month, city_id=city_id),
        partial(_complaint_counts, month=month, city_id=city_id),
        partial(_adjustments, month=month, city_id=city_id),
        partial(_activity_points, month=month, city_id=city_id),
    )
    totals = totals.set_index("hall_id")
    satisfaction = satisfaction.set_index("hall_id")
    complaints = complaints.set_index("hall_id")
    adjustments = adjustments.set_index("hall_id").astype(float)

    frame = halls.set_index("hall_id")
    for column in (
        "mystery_awarded",
        "mystery_applicable",
        "inspection_awarded",
        "inspection_applicable",
        "remote_awarded",
        "remote_applicable",
    ):
        frame[column] = totals[column].astype(float)
    frame["satisfaction"] = satisfaction["index"].astype(float)
    frame["substantiated"] = complaints["substantiated"].astype(float)
    frame["bonus"] = adjustments["adj_bonus"].add(totals["bonus"].astype(float), fill_value=0)
    frame["deduction"] = adjustments["adj_deduction"].add(totals["deduction"].astype(float), fill_value=0)
    frame["vetoes"] = totals["vetoes"].astype(float)
    for column in ("remote_bonus", "remote_deduction", "remote_vetoes"):
        frame[column] = totals[column].astype(float)
    frame["activity"] = activity.set_index("hall_id")["activity"].astype(float)
    for column in (
        "substantiated",
        "bonus",
        "deduction",
        "vetoes",
        "remote_bonus",
        "remote_deduction",
        "remote_vetoes",
        "activity",
    ):
        frame[column] = frame[column].fillna(0)
    return frame.reset_index()[[*EVIDENCE_COLUMNS, "activity"]]


def history_frame(*, month: dt.date, months_back: int, city_id: int | None = None) -> pd.DataFrame:
    """Published results of the ``months_back`` months before ``month`` and of ``month``'s year (one query);
    only ``city_id``'s halls when given (a chunk of grading across workers)."""
    since = min(month_add(month, -months_back), dt.date(month.year, 1, 1))
    rows = (
        HallMonthResult.objects.filter(
            _in_city(city_id), month__gte=since, month__lt=month, run__state=RunState.PUBLISHED, run__is_what_if=False
        )
        .values(*(name for name in HISTORY_COLUMNS if name != "composite"), score=Cast("composite", FloatField()))
        .order_by("month", "hall_id")
    )
    frame = queryset_frame(rows).rename(columns={"score": "composite"})[HISTORY_COLUMNS]
    frame["composite"] = frame["composite"].astype(float)
    # Straight from the cursor, SQLite gives its booleans as 0/1 and its dates as text.
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    for column in ("graded", "in_top_share", "in_bottom_share"):
        frame[column] = frame[column].astype(bool)
    return frame
