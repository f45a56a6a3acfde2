"""Rectifications: opened in bulk when inspections are submitted or visits imported."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_update_with_history

from halls.errors import ApplicationError
from halls.i18n import in_each_language
from halls.models import GradingPolicy, Role, UserProfile
from halls.selectors import policy_in_force
from halls.services import notification_send
from inspections.models import (
    CLOSED_STATES,
    OUTSTANDING_STATES,
    EscalationLevel,
    EscalationWarning,
    IndicatorKind,
    InspectionItem,
    Rectification,
    RectificationState,
    WarningSubject,
)
from inspections.services.photos import photos_check, photos_store


def rectifications_open_for(*, inspection_ids: list[int], due_days: int) -> int:
    """Open a rectification for every item of these inspections that lost points, and every veto.

    Safe to call again: an item that has one already is skipped. Returns how many were opened.
    """
    lost = Q(indicator__kind=IndicatorKind.SCORED, not_applicable=False, points__lt=F("max_points"))
    items = (
        InspectionItem.objects.filter(inspection_id__in=inspection_ids)
        .filter(lost | Q(indicator__kind=IndicatorKind.VETO, veto_cleared=False))
        .filter(rectification__isnull=True)
        .values_list("pk", "inspection_id", "inspection__hall_id", "indicator_id", "inspection__inspected_at")
    )
    rows = [
        Rectification(
            item_id=item_id,
            inspection_id=inspection_id,
            hall_id=hall_id,
            indicator_id=indicator_id,
            due_date=timezone.localtime(inspected_at).date() + dt.timedelta(days=due_days),
        )
        for item_id, inspection_id, hall_id, indicator_id, inspected_at in items.iterator(chunk_size=5000)
    ]
    for start in range(0, len(rows), 2000):
        chunk = rows[start : start + 2000]
        Rectification.objects.bulk_create(chunk, ignore_conflicts=True)
        # bulk_create bypasses simple-history: record the openings in bulk too, for the audit trail.
        item_ids = [row.item_id for row in chunk]
        recorded = Rectification.history.filter(item_id__in=item_ids).values("id")
        opened = list(Rectification.objects.filter(item_id__in=item_ids).exclude(pk__in=recorded))
        Rectification.history.bulk_history_create(opened, default_change_reason="opened")
    return len(rows)


def item_needs_rectification(*, item: InspectionItem) -> bool:
    """The rule of :func:`rectifications_open_for` for one item: it lost points, or its veto stands."""
    kind = item.indicator.kind
    if kind == IndicatorKind.VETO:
        return not item.veto_cleared
    return kind == IndicatorKind.SCORED and item.lost_points > 0


FIX_STATES = OUTSTANDING_STATES


@dataclass(frozen=True)
class EscalationDays:
    """The policy's escalation figures: how many days overdue an item must be before it reaches the city
    company's customer service, and the province HQ; then how often HQ is warned again until it is fixed."""

    city_after: int
    hq_after: int
    hq_repeat_every: int


def escalation_after_days(*, today: dt.date) -> EscalationDays:
    """The escalation figures of the policy in force this month (an overdue item reaches the district
    managers the day after its due date)."""
    try:
        policy = policy_in_force(month=today)
    except ApplicationError:  # no policy yet: the policy model's own defaults
        field = GradingPolicy._meta.get_field
        return EscalationDays(
            field("city_escalation_after_days").default,
            field("hq_escalation_after_days").default,
            field("hq_repeat_every_days").default,
        )
    return EscalationDays(
        policy.city_escalation_after_days, policy.hq_escalation_after_days, policy.hq_repeat_every_days
    )


def _locked(rectification_id: int) -> Rectification:
    return Rectification.objects.select_for_update().select_related("hall").get(pk=rectification_id)


@transaction.atomic
def rectification_fix(*, rectification_id: int, user, note: str, photos: list | None = None) -> Rectification:
    """The hall records what it fixed (with photos); the district verifies it next."""
    note = note.strip()
    if not note:
        raise ApplicationError(_("请写明整改情况"), field_errors={"fix_note": [_("请写明整改情况")]})
    checked = photos_check(uploads=photos or [], field="photos")
    rectification = _locked(rectification_id)
    if rectification.state not in FIX_STATES:
        raise ApplicationError(
            _("该整改当前为“%(state)s”，不能再提交整改") % {"state": rectification.get_state_display()}
        )
    rectification.state = RectificationState.FIXED
    rectification.fix_note = note
    rectification.fixed_at = timezone.now()
    rectification.fixed_by = user
    rectification._history_user = user
    rectification.save()
    photos_store(photos=checked, user=user, hall_id=rectification.hall_id, rectification=rectification)
    return rectification


@transaction.atomic
def rectification_review(*, rectification_id: int, user, accept: bool, note: str) -> Rectification:
    """The district verifies a fix, or reopens it with a reason."""
    note = note.strip()
    if not accept and not note:
        raise ApplicationError(_("退回重改须写明原因"), field_errors={"review_note": [_("退回重改须写明原因")]})
    rectification = _locked(rectification_id)
    if rectification.state != RectificationState.FIXED:
        raise ApplicationError(
            _("该整改当前为“%(state)s”，只有待验证的整改可以验证或退回") % {"state": rectification.get_state_display()}
        )
    rectification.review_note = note
    rectification._history_user = user
    if accept:
        rectification.state = RectificationState.VERIFIED
        rectification.verified_at = timezone.now()
        rectification.verified_by = user
    else:
        rectification.state = RectificationState.REOPENED
    rectification.save()
    return rectification


@transaction.atomic
def rectification_cancel(*, item_id: int, user, note: str) -> Rectification | None:
    """The finding behind this item's rectification was overturned on appeal (a veto cleared, the points
    restored in full): settle the rectification, unless it is closed already. Returns the cancelled
    rectification, or None when there was nothing left to cancel."""
    rectification = (
        Rectification.objects.select_for_update().filter(item_id=item_id).exclude(state__in=CLOSED_STATES).first()
    )
    if rectification is None:
        return None
    rectification.state = RectificationState.CANCELLED
    rectification.review_note = note
    rectification._history_user = user
    rectification.save()
    return rectification


@transaction.atomic
def rectifications_escalate(*, today: dt.date) -> dict[int, int]:
    """Warn about overdue, still outstanding rectifications level by level until they are fixed (逐级预警，直至
    整改): the hall's district managers the day after the due date, its city's customer service (地市客服) once
    more than the policy's ``city_escalation_after_days`` overdue, HQ once more than its
    ``hq_escalation_after_days``; then HQ again every ``hq_repeat_every_days`` until the item is fixed.

    An item climbs one level a day at most, and is warned once a day at most: each warning is recorded
    (:class:`EscalationWarning`, one per item and day, which the database enforces), so a second run on the
    same day finds nothing to do. Returns {level: how many items were warned at it}."""
    days = escalation_after_days(today=today)
    warned_today = EscalationWarning.objects.filter(rectification=OuterRef("pk"), sent_on=today)
    outstanding = Rectification.objects.filter(state__in=OUTSTANDING_STATES, due_date__lt=today).exclude(
        Exists(warned_today)
    )
    # Read before any row is raised, so that a rectification climbs one level per run.
    steps = [
        (EscalationLevel.HQ, EscalationLevel.CITY, days.hq_after),
        (EscalationLevel.CITY, EscalationLevel.DISTRICT, days.city_after),
        (EscalationLevel.DISTRICT, EscalationLevel.NONE, 0),
    ]
    raised: dict[int, list[Rectification]] = {}
    for level, below, after_days in steps:
        raised[level] = list(
            outstanding.filter(escalation_level=below, due_date__lt=today - dt.timedelta(days=after_days))
            .select_for_update()
            .select_related("hall__district")
        )
    warned_lately = EscalationWarning.objects.filter(
        rectification=OuterRef("pk"), sent_on__gt=today - dt.timedelta(days=days.hq_repeat_every)
    )
    repeated = list(
        outstanding.filter(escalation_level=EscalationLevel.HQ)
        .exclude(Exists(warned_lately))
        .select_for_update()
        .select_related("hall__district")
    )
    now = timezone.now()
    for level, rows in raised.items():
        for row in rows:
            row.escalation_level = level
            row.escalated_at = now
        if rows:
            bulk_update_with_history(rows, Rectification, ["escalation_level", "escalated_at"], batch_size=500)
    warnings = [
        EscalationWarning(
            subject=WarningSubject.RECTIFICATION,
            rectification=row,
            hall_id=row.hall_id,
            level=level,
            sent_on=today,
            days_overdue=(today - row.due_date).days,
        )
        for level, rows in [*raised.items(), (EscalationLevel.HQ, repeated)]
        for row in rows
    ]
    EscalationWarning.objects.bulk_create(warnings, batch_size=2000)
    _notify_district(raised[EscalationLevel.DISTRICT], today=today)
    _notify_city(raised[EscalationLevel.CITY], today=today, after_days=days.city_after)
    _notify_hq(raised[EscalationLevel.HQ], today=today, after_days=days.hq_after)
    _notify_hq_again(repeated, today=today)
    return {
        EscalationLevel.DISTRICT: len(raised[EscalationLevel.DISTRICT]),
        EscalationLevel.CITY: len(raised[EscalationLevel.CITY]),
        EscalationLevel.HQ: len(raised[EscalationLevel.HQ]) + len(repeated),
    }


def _summary(rows: list[Rectification], today: dt.date) -> dict[str, str]:
    """One line per overdue rectification, in each language of the interface."""

    def lines() -> str:
        line = _("%(hall)s：整改期限 %(due)s，已逾期 %(days)s 天")
        return "\n".join(
            line % {"hall": row.hall.name, "due": row.due_date, "days": (today - row.due_date).days} for row in rows
        )

    return in_each_language(lines)


def _notify_district(rows: list[Rectification], *, today: dt.date) -> None:
    _notify_managers(
        rows,
        today=today,
        role=Role.DISTRICT_MANAGER,
        scope="districts",
        place=lambda row: row.hall.district_id,
        title=gettext_noop("整改逾期预警：%(count)s 项未按期整改"),
    )


def _notify_city(rows: list[Rectification], *, today: dt.date, after_days: int) -> None:
    _notify_managers(
        rows,
        today=today,
        role=Role.CITY_MANAGER,
        scope="cities",
        place=lambda row: row.hall.district.city_id,
        title=gettext_noop("整改逾期升级：%(count)s 项逾期 %(days)s 天以上仍未整改"),
        params={"days": after_days},
    )


def _notify_managers(rows, *, today: dt.date, role: str, scope: str, place, title: str, params=None) -> None:
    """One notification to each active manager of ``role`` whose ``scope`` (districts or cities) holds the
    place of some of ``rows``, listing those rows."""
    if not rows:
        return
    by_place: dict[int, list[Rectification]] = defaultdict(list)
    for row in rows:
        by_place[place(row)].append(row)
    profiles = UserProfile.objects.filter(
        role=role, **{f"{scope}__in": by_place.keys()}, user__is_active=True
    ).values_list("user_id", scope)
    per_user: dict[int, list[Rectification]] = defaultdict(list)
    for user_id, place_id in profiles:
        per_user[user_id].extend(by_place[place_id])
    users = get_user_model().objects.in_bulk(per_user.keys())
    for user_id, items in per_user.items():
        notification_send(
            recipients=[users[user_id]],
            title=title,
            body=gettext_noop("%(summary)s"),
            link=reverse("inspections:rectification_list") + "?overdue=1",
            params={"count": len(items), **(params or {}), "summary": _summary(items, today)},
        )


def _notify_hq(rows: list[Rectification], *, today: dt.date, after_days: int) -> None:
    if not rows:
        return
    hq_users = get_user_model().objects.filter(profile__role=Role.HQ, is_active=True)
    notification_send(
        recipients=hq_users,
        title=gettext_noop("整改逾期升级：%(count)s 项逾期 %(days)s 天以上仍未整改"),
        body=gettext_noop("%(summary)s"),
        link=reverse("inspections:rectification_list") + "?overdue=1",
        params={"count": len(rows), "days": after_days, "summary": _summary(rows, today)},
    )


def _notify_hq_again(rows: list[Rectification], *, today: dt.date) -> None:
    if not rows:
        return
    hq_users = get_user_model().objects.filter(profile__role=Role.HQ, is_active=True)
    notification_send(
        recipients=hq_users,
        title=gettext_noop("整改逾期再次预警：%(count)s 项已升级至省公司仍未整改"),
        body=gettext_noop("%(summary)s"),
        link=reverse("inspections:rectification_list") + "?overdue=1",
        params={"count": len(rows), "summary": _summary(rows, today)},
    )
