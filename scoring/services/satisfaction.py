"""The satisfaction warning (满意度预警) sent to the district managers and city companies (地市客服) once a
month, on top of the lists on their homes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_noop

from halls.models import Hall, Notification, Role, UserProfile
from halls.services import notification_send
from scoring.selectors.satisfaction import satisfaction_warnings

WARNING_TITLE = gettext_noop("满意度预警：%(month)s 有 %(count)s 个营业厅")
WARNING_BODY = gettext_noop("%(halls)s")


def satisfaction_warnings_notify(*, month: dt.date) -> int:
    """One notification per district manager and per city company listing their halls warned in ``month``
    (see :func:`scoring.selectors.satisfaction.satisfaction_warnings`). Safe to re-run: a month already
    sent is skipped. Returns the number of notifications sent."""
    label = f"{month:%Y-%m}"
    if Notification.objects.filter(title=WARNING_TITLE, params__month=label).exists():
        return 0
    halls = list(Hall.objects.select_related("district"))
    warned: dict[int, Hall] = {
        line["hall"].pk: line["hall"] for line in satisfaction_warnings(halls=halls, month=month)
    }
    if not warned:
        return 0
    by_district: dict[int, set[int]] = defaultdict(set)
    by_city: dict[int, set[int]] = defaultdict(set)
    for hall in warned.values():
        by_district[hall.district_id].add(hall.pk)
        by_city[hall.district.city_id].add(hall.pk)
    per_user: dict[int, set[int]] = defaultdict(set)
    for user_id, district_id in UserProfile.objects.filter(
        role=Role.DISTRICT_MANAGER, districts__in=by_district.keys(), user__is_active=True
    ).values_list("user_id", "districts"):
        per_user[user_id] |= by_district[district_id]
    for user_id, city_id in UserProfile.objects.filter(
        role=Role.CITY_MANAGER, cities__in=by_city.keys(), user__is_active=True
    ).values_list("user_id", "cities"):
        per_user[user_id] |= by_city[city_id]
    users = get_user_model().objects.in_bulk(per_user.keys())
    for user_id, hall_ids in per_user.items():
        names = sorted(warned[pk].name for pk in hall_ids)
        notification_send(
            recipients=[users[user_id]],
            title=WARNING_TITLE,
            body=WARNING_BODY,
            link=reverse("scoring:district_home"),
            params={"month": label, "count": len(names), "halls": "、".join(names)},
        )
    return len(per_user)
