from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext_noop


@shared_task(name="incentives.split_bonus", acks_late=True, time_limit=600, soft_time_limit=540)
def split_bonus_task(
    month: str, user_id: int | None = None, reason: str = "", request_id: str | None = None
) -> int | None:
    """Split a month's bonus pools (``month`` as YYYY-MM) and tell the user who asked how it went.

    Safe to re-run: the message of a request (``request_id``, from ``split_bonus_start``) makes one split
    however often it is delivered, and tells the user once; the service refuses a frozen month. A message
    without a request id (sent before request ids existed) makes a new draft revision each time.
    """
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from halls.errors import ApplicationError
    from halls.months import month_parse
    from halls.services import notification_send
    from incentives.services import split_bonus, split_bonus_requested

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    recipients = [user] if user else []
    try:
        if request_id:
            split, created = split_bonus_requested(
                request_id=request_id, month=month_parse(month), user=user, reason=reason
            )
        else:
            split, created = split_bonus(month=month_parse(month), user=user, reason=reason), True
    except ApplicationError as exc:
        notification_send(
            recipients=recipients,
            title=gettext_noop("%(month)s 酬金分配未完成"),
            body=gettext_noop("%(reason)s"),
            params={"month": month, "reason": str(exc)},
        )
        return None
    if created:
        notification_send(
            recipients=recipients,
            title=gettext_noop("%(month)s 酬金分配已生成（第 %(revision)s 版，待审批）"),
            body=gettext_noop("酬金池合计 ¥%(pools)s，分配到营业员 ¥%(staff)s。"),
            link=reverse("incentives:split_detail", args=[split.pk]),
            params={
                "month": month,
                "revision": split.revision,
                "pools": str(split.pool_total),
                "staff": str(split.staff_total),
            },
        )
    return split.pk
