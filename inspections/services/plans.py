"""Monthly inspection plans: made from the statuses and the policy when a month is published, fulfilled by
the checks entered, aged (late, then missed) every morning, and edited by the district."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from halls.bulk import rows_insert
from halls.errors import ApplicationError
from halls.models import GradingPolicy, Hall, HallStatus, Role, UserProfile
from halls.months import month_add, month_start
from halls.selectors import Scope, policy_in_force
from inspections.models import (
    OPEN_LINE_STATES,
    CoachingKind,
    CoachingVisit,
    Inspection,
    InspectionKind,
    InspectionPlan,
    PlanHall,
    PlanLine,
    PlanLineKind,
    PlanLineState,
)
from inspections.selectors import scheme_in_force


@dataclass(frozen=True)
class LineSpec:
    hall_id: int
    kind: str
    due_date: dt.date
    vendor: str = ""


def _month_days(month: dt.date) -> list[dt.date]:
    return [month.replace(day=day) for day in range(1, calendar.monthrange(month.year, month.month)[1] + 1)]


def _spread_in_month(month: dt.date, times: int) -> list[dt.date]:
    """``times`` due dates spread over the month, each at the end of its share: 1 → the last day, 2 → the
    middle and the last day."""
    days = _month_days(month)
    return [days[math.ceil((i + 1) * len(days) / times) - 1] for i in range(times)]


def _spread_in_weeks(month: dt.date, per_week: int) -> list[dt.date]:
    """``per_week`` days in every week (Monday first), spread over the week; 7 is every day. Only the days
    that fall in the month."""
    if per_week <= 0:
        return []
    weekdays = {round(i * 7 / per_week) for i in range(per_week)}
    return [day for day in _month_days(month) if day.weekday() in weekdays]


def _quarter_end(month: dt.date) -> dt.date:
    last_month = month_add(month, 2 - (month.month - 1) % 3)
    return _month_days(last_month)[-1]


def plan_lines_for(
    *, statuses: dict[int, str], month: dt.date, policy: GradingPolicy, vendors: list[str]
) -> list[LineSpec]:
    """The checks each hall is due in ``month`` for its status, by the policy's figures:

    - overt inspections per month (none for an exempt hall: 免检), spread over the month;
    - remote patrols per week (7: every day), the monitored halls' daily watch;
    - for a supervised hall (督办), the on-site team's visits per week, and coaching: a plan each Monday and
      a report each Friday;
    - mystery visits, for every hall whatever its status, per vendor, in the first month of each quarter
      and due by the quarter's end.
    """
    overt = {
        HallStatus.NORMAL: policy.plan_overt_normal,
        HallStatus.MONITORED: policy.plan_overt_monitored,
        HallStatus.SUPERVISED: policy.plan_overt_supervised,
        HallStatus.EXEMPT: 0,
    }
    remote = {
        HallStatus.NORMAL: policy.plan_remote_normal,
        HallStatus.MONITORED: policy.plan_remote_monitored,
        HallStatus.SUPERVISED: policy.plan_remote_supervised,
        HallStatus.EXEMPT: 0,
    }
    overt_days = {status: _spread_in_month(month, times) for status, times in overt.items()}
    remote_days = {status: _spread_in_weeks(month, times) for status, times in remote.items()}
    team_days = _spread_in_weeks(month, policy.plan_team_visits_supervised)
    days = _month_days(month)
    mondays = [day for day in days if day.weekday() == 0]
    fridays = [day for day in days if day.weekday() == 4]
    quarter_start = (month.month - 1) % 3 == 0
    quarter_end = _quarter_end(month)
    mystery_dates = (
        _spread_in_month(quarter_end.replace(day=1), policy.plan_mystery_per_quarter) if quarter_start else []
    )
    lines: list[LineSpec] = []
    for hall_id, status in statuses.items():
        lines += [LineSpec(hall_id, PlanLineKind.OVERT, day) for day in overt_days[status]]
        lines += [LineSpec(hall_id, PlanLineKind.REMOTE, day) for day in remote_days[status]]
        if status == HallStatus.SUPERVISED:
            lines += [LineSpec(hall_id, PlanLineKind.TEAM_VISIT, day) for day in team_days]
            lines += [LineSpec(hall_id, PlanLineKind.COACHING_PLAN, day) for day in mondays]
            lines += [LineSpec(hall_id, PlanLineKind.COACHING_REPORT, day) for day in fridays]
        for vendor in vendors:
            lines += [LineSpec(hall_id, PlanLineKind.MYSTERY, day, vendor) for day in mystery_dates]
    return lines


def mystery_vendors(*, month: dt.date) -> list[str]:
    """The vendors whose visits were imported in the year before ``month`` ("" when there were none, so each
    hall still has its quarter's visit planned)."""
    vendors = (
        Inspection.objects.filter(kind=InspectionKind.MYSTERY, month__gte=month_add(month, -12), month__lt=month)
        .exclude(vendor="")
        .values_list("vendor", flat=True)
        .distinct()
        .order_by("vendor")
    )
    return list(vendors) or [""]


def _district_inspectors(district_ids: set[int]) -> dict[int, int]:
    """Each district's first active district manager, who is given its plan's lines until the district
    reassigns them."""
    rows = (
        UserProfile.objects.filter(role=Role.DISTRICT_MANAGER, districts__in=district_ids, user__is_active=True)
        .order_by("user_id")
        .values_list("districts", "user_id")
    )
    inspectors: dict[int, int] = {}
    for district_id, user_id in rows:
        inspectors.setdefault(district_id, user_id)
    return inspectors


def _chunks(ids: list[int], size: int = 900):
    """``ids`` in slices small enough for one SQLite statement's parameters; on a database without such a limit
    (PostgreSQL), in one piece: the publication's 20,000 halls in 23 slices made 69 statements of it."""
    if connection.features.max_query_params is None:
        size = max(len(ids), 1)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


PLANNED = str(PlanLineState.PLANNED)


@transaction.atomic
def plans_make(*, month: dt.date, statuses: dict[int, str], run_id: int | None = None) -> int:
    """Make (or remake, after a re-grading) the plans of ``month`` for the halls in ``statuses`` ({hall id:
    status in that month}). Lines already done, late or missed are kept, and count against what is due; the
    lines still planned are made anew. Returns the number of lines planned."""
    month = month_start(month)
    policy = policy_in_force(month=month)
    try:
        scheme_id = scheme_in_force(on=month).pk
    except ApplicationError:
        scheme_id = None
    hall_districts: dict[int, int] = {}
    for chunk in _chunks(list(statuses)):
        hall_districts.update(
            Hall.objects.filter(pk__in=chunk, is_active=True).values_list("pk", "district_id").order_by()
        )
    district_ids = set(hall_districts.values())
    existing = set(
        InspectionPlan.objects.filter(month=month, district_id__in=district_ids).values_list("district_id", flat=True)
    )
    InspectionPlan.objects.bulk_create(
        [InspectionPlan(district_id=d, month=month, made_from_run_id=run_id) for d in district_ids - existing],
        ignore_conflicts=True,
    )
    plans = {
        p.district_id: p
        for p in InspectionPlan.objects.select_for_update().filter(month=month, district_id__in=district_ids)
    }
    InspectionPlan.objects.filter(pk__in=[p.pk for p in plans.values()]).update(
        made_from_run_id=run_id, made_at=timezone.now()
    )
    plan_ids = [p.pk for p in plans.values()]
    settled: Counter = Counter()
    for chunk in _chunks(list(hall_districts)):
        PlanHall.objects.filter(plan_id__in=plan_ids, hall_id__in=chunk).delete()
        lines_of_halls = PlanLine.objects.filter(plan_id__in=plan_ids, hall_id__in=chunk)
        settled.update(
            lines_of_halls.exclude(state=PlanLineState.PLANNED).values_list("hall_id", "kind", "vendor").order_by()
        )
        lines_of_halls.filter(state=PlanLineState.PLANNED).delete()
    # A province's 20,000 halls and 100,000 lines, inside the publication's transaction: COPY on PostgreSQL
    # (bulk_create's model instances and per-value preparation took 15 s of it), every constraint checked.
    rows_insert(
        PlanHall,
        ("plan_id", "hall_id", "status"),
        ((plans[district_id].pk, hall_id, str(statuses[hall_id])) for hall_id, district_id in hall_districts.items()),
    )
    inspectors = _district_inspectors(district_ids)
    specs = plan_lines_for(
        statuses={h: statuses[h] for h in hall_districts},
        month=month,
        policy=policy,
        vendors=mystery_vendors(month=month),
    )
    rows = []
    for spec in specs:
        key = (spec.hall_id, spec.kind, spec.vendor)
        if settled[key] > 0:  # a check of this kind already done (or given up) this month counts
            settled[key] -= 1
            continue
        district_id = hall_districts[spec.hall_id]
        rows.append(
            (
                plans[district_id].pk,
                spec.hall_id,
                str(spec.kind),
                spec.vendor,
                spec.due_date,
                inspectors.get(district_id),
                scheme_id if spec.kind in (PlanLineKind.OVERT, PlanLineKind.REMOTE) else None,
                PLANNED,
            )
        )
    rows_insert(
        PlanLine, ("plan_id", "hall_id", "kind", "vendor", "due_date", "inspector_id", "scheme_id", "state"), rows
    )
    return len(rows)


INSPECTION_TO_LINE = {
    InspectionKind.OVERT: PlanLineKind.OVERT,
    InspectionKind.REMOTE: PlanLineKind.REMOTE,
    InspectionKind.MYSTERY: PlanLineKind.MYSTERY,
}
COACHING_TO_LINE = {
    CoachingKind.PLAN: PlanLineKind.COACHING_PLAN,
    CoachingKind.REPORT: PlanLineKind.COACHING_REPORT,
    CoachingKind.TEAM_VISIT: PlanLineKind.TEAM_VISIT,
}


def _line_to_fulfil(
    *, hall_id: int, kind: str, day: dt.date, vendor: str | None = None, within_week: bool = False
) -> PlanLine | None:
    """The open line a check of ``kind`` on ``day`` fulfils: the next one due on or after the day, else the
    earliest one already late; only lines of plans begun by then, and not due before the day's month."""
    candidates = PlanLine.objects.select_for_update().filter(
        hall_id=hall_id,
        kind=kind,
        state__in=OPEN_LINE_STATES,
        plan__month__lte=month_start(day),
        due_date__gte=month_start(day),
    )
    if within_week:
        monday = day - dt.timedelta(days=day.weekday())
        candidates = candidates.filter(due_date__range=(monday, monday + dt.timedelta(days=6)))
    if vendor is not None:
        candidates = candidates.filter(vendor__in=[vendor, ""])
    return (
        candidates.filter(due_date__gte=day).order_by("due_date", "pk").first()
        or candidates.filter(due_date__lt=day).order_by("due_date", "pk").first()
    )


def _line_done(line: PlanLine, *, day: dt.date, **fulfilled_by) -> PlanLine:
    PlanLine.objects.filter(pk=line.pk, state__in=OPEN_LINE_STATES).update(
        state=PlanLineState.DONE, done_on=day, **fulfilled_by
    )
    line.refresh_from_db()
    return line


def plan_line_fulfil_by_inspection(*, inspection: Inspection) -> PlanLine | None:
    """The plan line a submitted (or imported) check fulfils, marked done; None when it fulfils none."""
    kind = INSPECTION_TO_LINE.get(inspection.kind)
    if kind is None or PlanLine.objects.filter(inspection=inspection).exists():
        return None
    day = timezone.localtime(inspection.inspected_at).date()
    vendor = inspection.vendor if kind == PlanLineKind.MYSTERY else None
    line = _line_to_fulfil(hall_id=inspection.hall_id, kind=kind, day=day, vendor=vendor)
    return _line_done(line, day=day, inspection=inspection) if line else None


@transaction.atomic
def plan_lines_fulfil_by_visits(*, inspection_ids: list[int]) -> int:
    """Imported mystery visits fulfil their quarter's lines, in bulk (an import may bring thousands): each visit
    the line :func:`_line_to_fulfil` would choose, matched in memory from one read of the open lines per chunk.
    Returns the number of lines fulfilled."""
    fulfilled = 0
    for chunk in _chunks(inspection_ids):
        visits = sorted(
            Inspection.objects.filter(pk__in=chunk, kind=InspectionKind.MYSTERY)
            .exclude(pk__in=PlanLine.objects.filter(inspection_id__in=chunk).values("inspection_id"))
            .values_list("pk", "hall_id", "vendor", "inspected_at"),
            key=lambda visit: visit[3],
        )
        open_lines: dict[int, list[PlanLine]] = {}
        for line in (
            PlanLine.objects.select_for_update()
            .filter(kind=PlanLineKind.MYSTERY, state__in=OPEN_LINE_STATES, hall_id__in={visit[1] for visit in visits})
            .select_related("plan")
            .order_by("due_date", "pk")
        ):
            open_lines.setdefault(line.hall_id, []).append(line)
        done = []
        for pk, hall_id, vendor, inspected_at in visits:
            day = timezone.localtime(inspected_at).date()
            month = month_start(day)
            candidates = [
                line
                for line in open_lines.get(hall_id, [])
                if line.plan.month <= month <= line.due_date and line.vendor in (vendor, "")
            ]
            line = next((c for c in candidates if c.due_date >= day), None) or next(iter(candidates), None)
            if line is None:
                continue
            open_lines[hall_id].remove(line)
            line.state, line.done_on, line.inspection_id = PlanLineState.DONE, day, pk
            done.append(line)
        PlanLine.objects.bulk_update(done, ["state", "done_on", "inspection"], batch_size=500)
        fulfilled += len(done)
    return fulfilled


def plan_line_fulfil_by_coaching(*, visit: CoachingVisit) -> PlanLine | None:
    """The coaching plan, report or team visit line a coaching record fulfils."""
    kind = COACHING_TO_LINE.get(visit.kind)
    if kind is None:
        return None
    # Coaching is weekly: a record answers the line of its own week (a Monday plan written on Tuesday).
    line = _line_to_fulfil(hall_id=visit.hall_id, kind=kind, day=visit.visit_date, within_week=True)
    return _line_done(line, day=visit.visit_date, coaching_visit=visit) if line else None


@transaction.atomic
def plan_lines_age(*, today: dt.date) -> dict[str, int]:
    """Every morning: a line past its due date is late; one whose due month is over is missed. Safe to
    re-run (conditional updates)."""
    missed = PlanLine.objects.filter(state__in=OPEN_LINE_STATES, due_date__lt=month_start(today)).update(
        state=PlanLineState.MISSED
    )
    late = PlanLine.objects.filter(state=PlanLineState.PLANNED, due_date__lt=today).update(state=PlanLineState.LATE)
    return {"late": late, "missed": missed}


@transaction.atomic
def plan_line_update(*, scope: Scope, line_id: int, inspector_id: int | None, due_date: dt.date) -> PlanLine:
    """The district (or city) reassigns a line still open, or moves its due date within the plan's month."""
    try:
        line = (
            scope.filter(PlanLine.objects.select_for_update(), hall_path="hall")
            .select_related("plan", "hall")
            .get(pk=line_id)
        )
    except PlanLine.DoesNotExist as exc:
        raise ApplicationError(_("没有该计划检查，或不在您的负责范围内")) from exc
    if line.state not in OPEN_LINE_STATES:
        raise ApplicationError(_("已完成或已过期的计划检查不能再修改"))
    last_day = _quarter_end(line.plan.month) if line.kind == PlanLineKind.MYSTERY else _month_days(line.plan.month)[-1]
    if not line.plan.month <= due_date <= last_day:
        message = _("完成期限须在 %(start)s 至 %(end)s 之间") % {"start": line.plan.month, "end": last_day}
        raise ApplicationError(message, field_errors={"due_date": [message]})
    if inspector_id is not None:
        inspector_ok = (
            get_user_model()
            .objects.filter(pk=inspector_id, is_active=True)
            .filter(
                profile__role__in=(Role.DISTRICT_MANAGER, Role.CITY_MANAGER),
            )
            .filter(_covers_district(line.hall.district_id))
            .exists()
        )
        if not inspector_ok:
            message = _("检查人须是负责该区县的区县主管或地市客服")
            raise ApplicationError(message, field_errors={"inspector": [message]})
    line.inspector_id = inspector_id
    line.due_date = due_date
    if line.state == PlanLineState.LATE and due_date >= timezone.localdate():
        line.state = PlanLineState.PLANNED
    line.save(update_fields=["inspector", "due_date", "state"])
    return line


def _covers_district(district_id: int) -> Q:
    return Q(profile__districts=district_id) | Q(profile__cities__districts=district_id)


def plan_inspectors(*, district_id: int):
    """Who may be given a line of the district's plan."""
    return (
        get_user_model()
        .objects.filter(is_active=True, profile__role__in=(Role.DISTRICT_MANAGER, Role.CITY_MANAGER))
        .filter(_covers_district(district_id))
        .distinct()
        .order_by("username")
    )
