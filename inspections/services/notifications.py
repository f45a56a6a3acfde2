"""Marking in-app notifications read (the list page lives with the escalations that fill it)."""

from __future__ import annotations

from django.utils import timezone

from halls.models import Notification


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications read (only ``ids`` when given); how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
