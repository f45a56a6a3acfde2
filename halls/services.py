"""Writes for halls: notifications and worker heartbeats."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from halls.models import Notification, WorkerHeartbeat

logger = logging.getLogger(__name__)


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"last_seen": timezone.now()})
    return heartbeat


def notification_send(
    *, recipients, title: str, body: str = "", link: str = "", params: dict | None = None
) -> list[Notification]:
    """An in-app notification for each recipient, and an e-mail to those with an address.

    With ``params``, ``title`` and ``body`` are message ids (``gettext_noop``) filled with them, so each
    reader sees the notification in his language (see :mod:`halls.i18n`); the e-mail goes out in the
    default language."""
    recipients = list(recipients)
    notes = Notification.objects.bulk_create(
        [Notification(recipient=user, title=title, body=body, link=link, params=params) for user in recipients]
    )
    addresses = [user.email for user in recipients if user.email]
    if addresses and notes:
        with translation.override(settings.LANGUAGE_CODE):
            subject, text = notes[0].title_text, notes[0].body_text
        send_mail(subject, f"{text}\n\n{link}".strip(), settings.DEFAULT_FROM_EMAIL, addresses, fail_silently=True)
    logger.info("notification_sent recipients=%s", [user.pk for user in recipients])
    return notes
