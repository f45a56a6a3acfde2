"""Escalation of monitored halls that do not improve (逐级预警通知，直至改善).

A hall at the bottom (monitored 全方位监控 or supervised 督办) for a second month running has not improved: from
the first day of that second month it is warned about like an overdue rectification, level by level: its
district managers at once, its city's customer service once more than the policy's
``city_escalation_after_days`` later, HQ once more than ``hq_escalation_after_days``, then HQ again every
``hq_repeat_every_days`` until a published grading lifts it from the bottom. The statuses are read from the
months' inspection plans (made from each published grading), so this needs nothing from grading itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from halls.models import Hall, HallStatus, Role, UserProfile
from halls.months import month_add, month_start
from halls.services import notification_send
from inspections.models import EscalationLevel, EscalationWarning, PlanHall, WarningSubject
from inspections.services.rectification import escalation_after_days

BOTTOM_STATUSES = (HallStatus.MONITORED, HallStatus.SUPERVISED)


def bottom_since(*, month: dt.date) -> dict[int, dt.date]:
    """{hall id: first month of its unbroken run at the bottom} for the halls at the bottom in ``month``, from
    the plans of the year before (one query)."""
    rows = PlanHall.objects.filter(
        plan__month__gte=month_add(month, -12), plan__month__lte=month, status__in=BOTTOM_STATUSES
    ).values_list("hall_id", "plan__month")
    months: dict[int, set[dt.date]] = defaultdict(set)
    for hall_id, plan_month in rows:
        months[hall_id].add(plan_month)
    since = {}
    for hall_id, bottom in months.items():
        if month not in bottom:
            continue
        start = month
        while month_add(start, -1) in bottom:
            start = month_add(start, -1)
        since[hall_id] = start
    return since


@transaction.atomic
def monitored_halls_escalate(*, today: dt.date) -> dict[int, int]:
    """Warn about the halls at the bottom for a second month running or more, one level a day at most and
    once a day at most (one warning per hall and day, which the database enforces). Returns {level: how many
    halls were warned at it}."""
    days = escalation_after_days(today=today)
    month = month_start(today)
    not_improving = {
        hall_id: month_add(start, 1) for hall_id, start in bottom_since(month=month).items() if start < month
    }
    warned_today = set(
        EscalationWarning.objects.filter(
            subject=WarningSubject.MONITORED_HALL, hall_id__in=not_improving, sent_on=today
        ).values_list("hall_id", flat=True)
    )
    # Each hall's highest level and last warning in its present run at the bottom.
    history: dict[int, tuple[int, dt.date]] = {}
    for hall_id, level, sent_on in EscalationWarning.objects.filter(
        subject=WarningSubject.MONITORED_HALL,
        hall_id__in=not_improving,
        sent_on__gte=min(not_improving.values(), default=today),
    ).values_list("hall_id", "level", "sent_on"):
        if sent_on >= not_improving[hall_id]:
            top, last = history.get(hall_id, (EscalationLevel.NONE, sent_on))
            history[hall_id] = (max(top, level), max(last, sent_on))
    warnings = []
    for hall_id, since in not_improving.items():
        if hall_id in warned_today:
            continue
        level, last = history.get(hall_id, (EscalationLevel.NONE, None))
        overdue_days = (today - since).days + 1  # the first day of the second month is its first day overdue
        target = (
            EscalationLevel.HQ
            if overdue_days > days.hq_after
            else EscalationLevel.CITY
            if overdue_days > days.city_after
            else EscalationLevel.DISTRICT
        )
        if level < target:
            level += 1
        elif not (level == EscalationLevel.HQ and (today - last).days >= days.hq_repeat_every):
            continue
        warnings.append(
            EscalationWarning(
                subject=WarningSubject.MONITORED_HALL,
                hall_id=hall_id,
                level=level,
                sent_on=today,
                days_overdue=overdue_days,
            )
        )
    EscalationWarning.objects.bulk_create(warnings, batch_size=2000)
    _notify(warnings)
    counts = {level: 0 for level in (EscalationLevel.DISTRICT, EscalationLevel.CITY, EscalationLevel.HQ)}
    for warning in warnings:
        counts[warning.level] += 1
    return counts


def _notify(warnings: list[EscalationWarning]) -> None:
    """One notification per reader, naming each hall of its scope warned at its level today."""
    if not warnings:
        return
    halls = Hall.objects.select_related("district").in_bulk({w.hall_id for w in warnings})
    per_user: dict[int, list[EscalationWarning]] = defaultdict(list)
    by_district: dict[int, list[EscalationWarning]] = defaultdict(list)
    by_city: dict[int, list[EscalationWarning]] = defaultdict(list)
    for warning in warnings:
        hall = halls[warning.hall_id]
        if warning.level == EscalationLevel.DISTRICT:
            by_district[hall.district_id].append(warning)
        elif warning.level == EscalationLevel.CITY:
            by_city[hall.district.city_id].append(warning)
    for user_id, district_id in UserProfile.objects.filter(
        role=Role.DISTRICT_MANAGER, districts__in=by_district.keys(), user__is_active=True
    ).values_list("user_id", "districts"):
        per_user[user_id] += by_district[district_id]
    for user_id, city_id in UserProfile.objects.filter(
        role=Role.CITY_MANAGER, cities__in=by_city.keys(), user__is_active=True
    ).values_list("user_id", "cities"):
        per_user[user_id] += by_city[city_id]
    hq_warnings = [w for w in warnings if w.level == EscalationLevel.HQ]
    if hq_warnings:
        for user_id in (
            get_user_model().objects.filter(profile__role=Role.HQ, is_active=True).values_list("pk", flat=True)
        ):
            per_user[user_id] += hq_warnings
    users = get_user_model().objects.in_bulk(per_user.keys())
    for user_id, items in per_user.items():
        notification_send(
            recipients=[users[user_id]],
            title=gettext_noop("监控厅未改善预警：%(count)s 家营业厅连续处于末位"),
            body=gettext_noop("%(halls)s"),
            link=reverse("inspections:plan_compliance")
            if users[user_id].profile.role != Role.DISTRICT_MANAGER
            else reverse("inspections:plan_list"),
            params={"count": len(items), "halls": "、".join(halls[w.hall_id].name for w in items)},
        )
