from __future__ import annotations

from celery import shared_task


@shared_task(name="incentives.split_bonus", acks_late=True, time_limit=600, soft_time_limit=540)
def split_bonus_task(month: str, user_id: int | None = None, reason: str = "") -> int | None:
    """Split a month's bonus pools (``month`` as YYYY-MM) and tell the user who asked how it went.

    Safe to re-run: the service refuses a frozen month, and a repeat only adds a new draft revision.
    """
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from halls.errors import ApplicationError
    from halls.months import month_parse
    from halls.services import notification_send
    from incentives.services import split_bonus

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    recipients = [user] if user else []
    try:
        split = split_bonus(month=month_parse(month), user=user, reason=reason)
    except ApplicationError as exc:
        notification_send(recipients=recipients, title=f"{month} 酬金分配未完成", body=str(exc))
        return None
    notification_send(
        recipients=recipients,
        title=f"{month} 酬金分配已生成（第 {split.revision} 版，待审批）",
        body=f"酬金池合计 ¥{split.pool_total}，分配到营业员 ¥{split.staff_total}。",
        link=reverse("incentives:split_detail", args=[split.pk]),
    )
    return split.pk
