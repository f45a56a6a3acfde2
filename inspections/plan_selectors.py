"""Reads of the monthly inspection plans: a district's plan, today's work of a district or city, and the plans'
compliance for HQ and the cities. Scope decides what each reader sees, through :class:`halls.selectors.Scope`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from halls.models import HallStatus
from halls.months import month_add, month_start
from halls.selectors import Scope
from inspections.models import (
    EscalationWarning,
    Indicator,
    IndicatorKind,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionPlan,
    InspectionState,
    LookBackItem,
    PlanHall,
    PlanLine,
    PlanLineKind,
    PlanLineState,
    WarningSubject,
)

COMPLIANCE_MONTHS = 7  # this month and the six before


def _plans_in_scope(scope: Scope) -> QuerySet[InspectionPlan]:
    qs = InspectionPlan.objects.select_related("district__city")
    if scope.is_hq:
        return qs
    if scope.manages_districts:
        return qs.filter(district_id__in=scope.district_ids)
    return qs.none()


def plan_list(*, scope: Scope, month: dt.date) -> QuerySet[InspectionPlan]:
    """The plans of ``month`` the reader may see, with their lines counted by state."""
    return (
        _plans_in_scope(scope)
        .filter(month=month_start(month))
        .annotate(
            planned=Count("lines"),
            done=Count("lines", filter=Q(lines__state=PlanLineState.DONE)),
            late=Count("lines", filter=Q(lines__state=PlanLineState.LATE)),
            missed=Count("lines", filter=Q(lines__state=PlanLineState.MISSED)),
        )
        .order_by("district__city__code", "district__code")
    )


def plan_get(*, scope: Scope, pk: int) -> InspectionPlan:
    """The plan, or 404 when it does not exist or its district lies outside the reader's scope."""
    try:
        return _plans_in_scope(scope).get(pk=pk)
    except InspectionPlan.DoesNotExist as exc:
        raise Http404("No plan in your scope matches") from exc


def plan_lines(*, plan: InspectionPlan) -> QuerySet[PlanLine]:
    return plan.lines.select_related("hall", "inspector", "scheme").order_by("hall__code", "due_date", "kind")


def plan_hall_statuses(*, plan: InspectionPlan) -> dict[int, str]:
    return dict(PlanHall.objects.filter(plan=plan).values_list("hall_id", "status"))


def weakest_indicators(*, hall_ids: list[int], since: dt.date, per_hall: int = 3) -> dict[int, list[str]]:
    """Each hall's focus items: the level-3 indicators where its checks since ``since`` lost the largest share of
    their points, worst first (one aggregate query)."""
    rows = (
        InspectionItem.objects.filter(
            inspection__hall_id__in=hall_ids,
            inspection__state=InspectionState.SUBMITTED,
            inspection__month__gte=month_start(since),
            indicator__kind=IndicatorKind.SCORED,
            not_applicable=False,
            points__isnull=False,
            max_points__gt=0,
        )
        .values("inspection__hall_id", "indicator_id")
        .annotate(lost=Sum(F("max_points") - F("points")), possible=Sum("max_points"))
        .filter(lost__gt=0)
    )
    rows = list(rows)
    indicators = Indicator.objects.in_bulk({row["indicator_id"] for row in rows})
    ranked: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for row in rows:
        share = float(row["lost"] / row["possible"])
        ranked[row["inspection__hall_id"]].append((share, indicators[row["indicator_id"]].name))
    return {
        hall_id: [name for _share, name in sorted(items, key=lambda item: (-item[0], item[1]))[:per_hall]]
        for hall_id, items in ranked.items()
    }


@dataclass
class TodayWork:
    today: dt.date
    due_today: list[PlanLine] = field(default_factory=list)
    due_this_week: list[PlanLine] = field(default_factory=list)
    # late lines, one row per hall and kind: {hall_id, hall__name, hall__code, kind, count, first_due}
    overdue: list[dict] = field(default_factory=list)
    patrols_today: list[PlanLine] = field(default_factory=list)
    # {hall id: names of its weakest indicators}, for the patrols' focus
    focus: dict[int, list[str]] = field(default_factory=dict)


def today_work(*, scope: Scope, today: dt.date, limit: int = 50) -> TodayWork:
    """A district's (or city's) work from its plans: checks due today and later this week, lines overdue, and
    today's remote patrols with the focus items of each hall's weakest indicators."""
    if not scope.manages_districts:
        return TodayWork(today=today)
    lines = PlanLine.objects.filter(plan__district_id__in=scope.district_ids).select_related("hall", "scheme")
    week_end = today + dt.timedelta(days=6 - today.weekday())
    open_today = lines.filter(state=PlanLineState.PLANNED, due_date=today)
    work = TodayWork(
        today=today,
        due_today=list(open_today.exclude(kind=PlanLineKind.REMOTE)[:limit]),
        due_this_week=list(
            lines.filter(state=PlanLineState.PLANNED, due_date__gt=today, due_date__lte=week_end)
            .exclude(kind=PlanLineKind.REMOTE)
            .order_by("due_date", "hall__code")[:limit]
        ),
        overdue=list(
            lines.filter(state=PlanLineState.LATE)
            .values("hall_id", "hall__name", "hall__code", "kind")
            .annotate(count=Count("pk"), first_due=Min("due_date"))
            .order_by("first_due", "hall__code", "kind")[:limit]
        ),
        patrols_today=list(open_today.filter(kind=PlanLineKind.REMOTE).order_by("hall__code")[:limit]),
    )
    work.focus = weakest_indicators(
        hall_ids=[line.hall_id for line in work.patrols_today], since=month_add(month_start(today), -2)
    )
    return work


@dataclass
class ComplianceRow:
    month: dt.date
    city: str
    district: str
    planned: int = 0
    done: int = 0
    late: int = 0
    missed: int = 0

    @property
    def done_share(self) -> int | None:
        return round(100 * self.done / self.planned) if self.planned else None


@dataclass
class Compliance:
    month: dt.date
    months: list[dt.date]
    districts: list[ComplianceRow]
    cities: list[ComplianceRow]
    # monitored halls of the month whose daily patrols were not done: (hall, patrols late or missed)
    patrols_not_done: list[dict]
    # overt checks of halls exempt that month (entered before the status was known, or imported)
    exempt_inspected: list[Inspection]
    # halls at the bottom two months running: the latest warning of each this month
    not_improving: list[EscalationWarning]


def plan_compliance(*, scope: Scope, month: dt.date) -> Compliance:
    """Per district and per city, the lines planned, done, late and missed in ``month`` and the six months
    before; the monitored halls whose patrols were not done this month; the exempt halls inspected anyway."""
    month = month_start(month)
    months = [month_add(month, -i) for i in range(COMPLIANCE_MONTHS)]
    plans = _plans_in_scope(scope).filter(month__in=months)
    counts = (
        PlanLine.objects.filter(plan__in=plans)
        .values("plan__month", "plan__district__city__name", "plan__district__name", "plan__district__code")
        .annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(state=PlanLineState.DONE)),
            late=Count("pk", filter=Q(state=PlanLineState.LATE)),
            missed=Count("pk", filter=Q(state=PlanLineState.MISSED)),
        )
        .order_by("-plan__month", "plan__district__city__name", "plan__district__code")
    )
    districts, cities = [], {}
    for row in counts:
        figures = {name: row[name] for name in ("planned", "done", "late", "missed")}
        city_name = row["plan__district__city__name"]
        districts.append(ComplianceRow(row["plan__month"], city_name, row["plan__district__name"], **figures))
        total = cities.setdefault((row["plan__month"], city_name), ComplianceRow(row["plan__month"], city_name, ""))
        for name, value in figures.items():
            setattr(total, name, getattr(total, name) + value)
    this_month = plans.filter(month=month)
    monitored = PlanHall.objects.filter(plan__in=this_month, status=HallStatus.MONITORED, hall_id=OuterRef("hall_id"))
    patrols_not_done = list(
        PlanLine.objects.filter(
            plan__in=this_month,
            kind=PlanLineKind.REMOTE,
            state__in=(PlanLineState.LATE, PlanLineState.MISSED),
        )
        .filter(Exists(monitored))
        .values("hall_id", "hall__name", "hall__code", "plan__district__name")
        .annotate(not_done=Count("pk"))
        .order_by("-not_done", "hall__code")
    )
    exempt = PlanHall.objects.filter(plan__in=this_month, status=HallStatus.EXEMPT, hall_id=OuterRef("hall_id"))
    exempt_inspected = list(
        Inspection.objects.filter(month=month, kind=InspectionKind.OVERT, state=InspectionState.SUBMITTED)
        .filter(Exists(exempt))
        .select_related("hall__district", "inspector")
        .order_by("inspected_at")[:200]
    )
    warnings = EscalationWarning.objects.filter(
        subject=WarningSubject.MONITORED_HALL, sent_on__gte=month, sent_on__lt=month_add(month, 1)
    ).select_related("hall__district")
    if not scope.is_hq:
        warnings = warnings.filter(hall__district_id__in=scope.district_ids)
    latest: dict[int, EscalationWarning] = {}
    for warning in warnings.order_by("-sent_on")[:2000]:
        latest.setdefault(warning.hall_id, warning)
    return Compliance(
        not_improving=list(latest.values()),
        month=month,
        months=months,
        districts=districts,
        cities=sorted(cities.values(), key=lambda row: (-row.month.toordinal(), row.city)),
        patrols_not_done=patrols_not_done,
        exempt_inspected=exempt_inspected,
    )


def look_back_items(*, hall_id: int) -> QuerySet:
    """A hall's look-back items (回头看), open ones first."""
    return LookBackItem.objects.filter(hall_id=hall_id).select_related("opened_by", "verified_by")


def halls_with_open_look_back(*, hall_ids) -> set[int]:
    """The halls among ``hall_ids`` with a look-back item not yet verified: they stay under supervision."""
    return set(
        LookBackItem.objects.filter(hall_id__in=hall_ids, verified_on__isnull=True)
        .values_list("hall_id", flat=True)
        .distinct()
    )
