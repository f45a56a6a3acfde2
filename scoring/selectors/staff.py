"""Staff accountability (营业员): each clerk's month from the findings that name him, his rank within his hall and
his marketing unit, the bottom-ranked review list (末位) and the service stars (服务之星).

The rule, month by month, for every clerk on duty in a hall (employed at some time in the month):

- a *finding* is an item of a submitted inspection or mystery visit of that month that names him and found
  something: a scored item below its full points, a deduction item, or a veto not cleared on appeal;
- his *staff score* is 100 − the points lost on his scored items − his deduction points − the policy's veto
  penalty for each veto + the bonus points of bonus items naming him (a customer's praise), floored at 0;
- he is ranked by staff score, then by service points (服务积点), highest first, within his hall and within
  his hall's marketing unit (ties share a place, as for halls);
- the bottom-ranked review list holds, in each unit, the places from the bottom that make up the policy's
  ``staff_bottom_share`` (as the hall statuses count places: ⌊size × share / 100⌋, at least one); the
  month earns a service star when he is in the unit's top ``staff_star_share``, was named in no finding and
  has service points recorded for the month; in a unit too small to tell the two apart, the top wins.

One query for the clerks, one for their findings, one for their service points, whatever the number of halls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from halls.errors import ApplicationError
from halls.models import GradingPolicy, MarketingUnit, Staff
from halls.months import month_add, month_start
from halls.selectors import Scope, policy_in_force
from inspections.models import IndicatorKind, InspectionItem, InspectionState
from scoring.models import GradingRun, RunState
from scoring.services.compute import share_counts
from surveys.models import StaffServicePoints

FULL_SCORE = Decimal("100")

FRAME_COLUMNS = [
    "staff_id",
    "month",
    "hall_id",
    "unit_id",
    "findings",
    "lost",
    "vetoes",
    "bonus",
    "score",
    "service_points",
    "rank_hall",
    "hall_size",
    "rank_unit",
    "unit_size",
    "in_bottom",
    "star",
]


def finding_q(prefix: str = "") -> Q:
    """Items that found something: a scored item short of its points, a deduction taken, a veto not cleared."""
    p = prefix
    return (
        Q(**{f"{p}indicator__kind": IndicatorKind.SCORED, f"{p}not_applicable": False})
        & Q(**{f"{p}points__lt": F(f"{p}max_points")})
        | Q(**{f"{p}indicator__kind": IndicatorKind.DEDUCTION, f"{p}points__gt": 0})
        | Q(**{f"{p}indicator__kind": IndicatorKind.VETO, f"{p}veto_cleared": False})
    )


def staff_findings(*, staff_ids, months: list[dt.date]) -> QuerySet[InspectionItem]:
    """The findings naming these clerks in these months (submitted inspections and visits only)."""
    return (
        InspectionItem.objects.filter(
            staff_id__in=staff_ids, inspection__state=InspectionState.SUBMITTED, inspection__month__in=months
        )
        .filter(finding_q())
        .select_related("indicator", "inspection", "staff")
        .order_by("-inspection__inspected_at", "indicator__order")
    )


def _on_duty(*, units: list[int], months: list[dt.date]) -> pd.DataFrame:
    first, after = min(months), month_add(max(months), 1)
    rows = list(
        Staff.objects.filter(hall__marketing_unit_id__in=units, active_from__lt=after)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=first))
        .values("pk", "hall_id", "hall__marketing_unit_id", "active_from", "active_to")
    )
    frames = []
    for month in months:  # a dozen months at most: one vectorised filter each
        staff = pd.DataFrame(rows, columns=["pk", "hall_id", "hall__marketing_unit_id", "active_from", "active_to"])
        on_duty = (staff["active_from"] < month_add(month, 1)) & (
            staff["active_to"].isna() | staff["active_to"].map(lambda day, m=month: day is not None and day >= m)
        )
        staff = staff[on_duty].assign(month=month)
        frames.append(staff)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame.rename(columns={"pk": "staff_id", "hall__marketing_unit_id": "unit_id"})[
        ["staff_id", "month", "hall_id", "unit_id"]
    ]


def _finding_totals(*, staff_ids: list[int], months: list[dt.date]) -> pd.DataFrame:
    money = DecimalField(max_digits=9, decimal_places=2)
    zero = Value(Decimal("0"), output_field=money)
    kind = "indicator__kind"
    rows = (
        InspectionItem.objects.filter(
            staff_id__in=staff_ids, inspection__state=InspectionState.SUBMITTED, inspection__month__in=months
        )
        .values("staff_id", month=F("inspection__month"))
        .annotate(
            findings=Count("pk", filter=finding_q()),
            lost=Coalesce(
                Sum(
                    Case(
                        When(
                            Q(**{kind: IndicatorKind.SCORED, "not_applicable": False, "points__isnull": False}),
                            then=F("max_points") - F("points"),
                        ),
                        When(Q(**{kind: IndicatorKind.DEDUCTION, "points__isnull": False}), then=F("points")),
                        default=zero,
                        output_field=money,
                    )
                ),
                zero,
            ),
            vetoes=Count("pk", filter=Q(**{kind: IndicatorKind.VETO, "veto_cleared": False})),
            bonus=Coalesce(Sum("points", filter=Q(**{kind: IndicatorKind.BONUS}), output_field=money), zero),
        )
        .order_by()
    )
    return pd.DataFrame(list(rows), columns=["staff_id", "month", "findings", "lost", "vetoes", "bonus"])


def _policies(months: list[dt.date]) -> dict[dt.date, GradingPolicy]:
    """The policy of each month that has one: a month before the first policy has no ranking."""
    policies = {}
    for month in months:
        try:
            policies[month] = policy_in_force(month=month)
        except ApplicationError:
            continue
    return policies


def staff_frame(*, units: list[int], months: list[dt.date]) -> pd.DataFrame:
    """One row per clerk on duty in the units' halls per month, with the columns of ``FRAME_COLUMNS``."""
    policies = _policies(sorted({month_start(m) for m in months}))
    months = sorted(policies)
    if not units or not months:
        return pd.DataFrame(columns=FRAME_COLUMNS)
    frame = _on_duty(units=units, months=months)
    if frame.empty:
        return pd.DataFrame(columns=FRAME_COLUMNS)
    staff_ids = frame["staff_id"].unique().tolist()
    totals = _finding_totals(staff_ids=staff_ids, months=months)
    points = pd.DataFrame(
        list(
            StaffServicePoints.objects.filter(staff_id__in=staff_ids, month__in=months).values(
                "staff_id", "month", "points"
            )
        ),
        columns=["staff_id", "month", "points"],
    ).rename(columns={"points": "service_points"})
    frame = frame.merge(totals, on=["staff_id", "month"], how="left").merge(
        points, on=["staff_id", "month"], how="left"
    )
    frame["findings"] = frame["findings"].fillna(0).astype(int)
    frame["vetoes"] = frame["vetoes"].fillna(0).astype(int)
    for column in ("lost", "bonus", "service_points"):
        frame[column] = frame[column].map(lambda v: Decimal("0") if v is None or pd.isna(v) else Decimal(v))

    penalty = frame["month"].map(lambda m: policies[m].staff_veto_penalty)
    raw = FULL_SCORE - frame["lost"] - frame["vetoes"].map(Decimal) * penalty + frame["bonus"]
    frame["score"] = raw.map(lambda v: max(Decimal("0"), v).quantize(Decimal("0.01")))

    # Rank on (score, service points), highest first; ties share the best place ("min").
    key = frame["score"].astype(float) * 1e6 + frame["service_points"].astype(float)
    frame["rank_hall"] = key.groupby([frame["month"], frame["hall_id"]]).rank(method="min", ascending=False)
    frame["rank_unit"] = key.groupby([frame["month"], frame["unit_id"]]).rank(method="min", ascending=False)
    frame["hall_size"] = frame.groupby(["month", "hall_id"])["staff_id"].transform("count")
    frame["unit_size"] = frame.groupby(["month", "unit_id"])["staff_id"].transform("count")
    from_bottom = key.groupby([frame["month"], frame["unit_id"]]).rank(method="min", ascending=True)
    bottom_share = frame["month"].map(lambda m: float(policies[m].staff_bottom_share))
    star_share = frame["month"].map(lambda m: float(policies[m].staff_star_share))
    n_bottom = share_counts(frame["unit_size"], bottom_share)
    n_star = share_counts(frame["unit_size"], star_share)
    in_top = frame["rank_unit"] <= n_star
    # A month without service points is a month without recorded service: no star, however the ties fall.
    frame["star"] = in_top & (frame["findings"] == 0) & (frame["service_points"].astype(float) > 0)
    frame["in_bottom"] = (from_bottom <= n_bottom) & ~in_top
    for column in ("rank_hall", "rank_unit", "hall_size", "unit_size"):
        frame[column] = frame[column].astype(int)
    return frame[FRAME_COLUMNS].sort_values(["month", "unit_id", "rank_unit", "staff_id"]).reset_index(drop=True)


@dataclass(frozen=True)
class StaffRow:
    staff: Staff
    score: Decimal
    findings: int
    service_points: Decimal
    rank_hall: int
    hall_size: int
    rank_unit: int
    unit_size: int
    in_bottom: bool
    star: bool


def _rows(frame: pd.DataFrame, *, scope: Scope) -> list[StaffRow]:
    """The frame's rows for the clerks of halls in ``scope``, with their staff objects (one query)."""
    visible = Staff.objects.filter(pk__in=frame["staff_id"].tolist()).select_related(
        "hall__district", "hall__marketing_unit"
    )
    staff = {s.pk: s for s in scope.filter(visible, "hall")}
    return [
        StaffRow(
            staff=staff[record["staff_id"]],
            score=record["score"],
            findings=record["findings"],
            service_points=record["service_points"],
            rank_hall=record["rank_hall"],
            hall_size=record["hall_size"],
            rank_unit=record["rank_unit"],
            unit_size=record["unit_size"],
            in_bottom=bool(record["in_bottom"]),
            star=bool(record["star"]),
        )
        for record in frame.to_dict("records")
        if record["staff_id"] in staff
    ]


def units_in_scope(*, scope: Scope) -> QuerySet[MarketingUnit]:
    """The marketing units with a hall in the scope: a unit's ranking counts all its clerks, but each reader sees
    only the rows of his own halls."""
    return MarketingUnit.objects.filter(pk__in=scope.filter(Staff.objects.all(), "hall").values("hall__marketing_unit"))


def staff_unit_ranking(*, scope: Scope, unit: MarketingUnit, month: dt.date) -> list[StaffRow]:
    """The unit's ranking of the month, the rows the scope may see, best first."""
    frame = staff_frame(units=[unit.pk], months=[month])
    return _rows(frame, scope=scope)


def staff_bottom_list(*, scope: Scope, month: dt.date) -> list[StaffRow]:
    """The month's bottom-ranked clerks (末位) of every unit the scope reaches, the rows the scope may see."""
    units = list(units_in_scope(scope=scope).values_list("pk", flat=True))
    frame = staff_frame(units=units, months=[month])
    return _rows(frame.loc[frame["in_bottom"].astype(bool)], scope=scope)


def staff_months(*, staff: Staff, months: list[dt.date]) -> pd.DataFrame:
    """The clerk's rows of ``months`` (those he was on duty in), ranked within his hall's current unit."""
    frame = staff_frame(units=[staff.hall.marketing_unit_id], months=months)
    return frame[frame["staff_id"] == staff.pk].sort_values("month", ascending=False).reset_index(drop=True)


@dataclass(frozen=True)
class StaffArchive:
    staff: Staff
    months: list[dict]  # newest first: the frame's columns for each month he was on duty
    stars: int  # service stars of the newest month's year, up to that month
    year: int | None
    findings: list[InspectionItem]


def staff_archive(*, scope: Scope, staff: Staff, today: dt.date) -> StaffArchive:
    """A clerk's archive over the months the reader may see (``staff_month_choices``) in which he has service
    points or findings: each month's staff score, findings, service points, ranks, bottom-ranking and star; the
    year's stars; the findings themselves."""
    months = staff_month_choices(scope=scope, today=today)
    rows = staff_months(staff=staff, months=months).to_dict("records") if months else []
    # A month with neither service points nor a finding recorded for him says nothing about him: not shown
    # (the newest month always is, as the month in progress).
    rows = [row for index, row in enumerate(rows) if index == 0 or row["findings"] or row["service_points"]]
    year = rows[0]["month"].year if rows else None
    stars = sum(1 for row in rows if row["star"] and row["month"].year == year)
    findings = list(staff_findings(staff_ids=[staff.pk], months=months)) if months else []
    return StaffArchive(staff=staff, months=rows, stars=stars, year=year, findings=findings)


def staff_month_choices(*, scope: Scope, today: dt.date, count: int = 12) -> list[dt.date]:
    """The months a reader may look at, newest first: hall managers the published ones (as for halls' results),
    the managers above them the current month and those before it, findings counting as they are entered."""
    if scope.role is None:
        return []
    if scope.is_hall_manager:
        published = GradingRun.objects.filter(state=RunState.PUBLISHED, is_what_if=False)
        return list(published.values_list("month", flat=True).distinct().order_by("-month")[:count])
    current = month_start(today)
    return [month_add(current, -offset) for offset in range(count)]
