"""Writes for halls: notifications, worker heartbeats and a user's choice of language."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from halls.models import Notification, UserProfile, WorkerHeartbeat

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


def profile_language_set(*, user, language: str) -> bool:
    """Remember ``language`` on ``user``'s account, so that it follows him to every browser; False when he
    has no profile (a superuser without a role) or the language is not one of the interface's."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        return False
    return UserProfile.objects.filter(user=user).update(language=language) > 0
