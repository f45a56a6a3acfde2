"""Helpers for inspection tests: photos, frozen months, exempt halls, inspections entered through the service."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from halls.months import month_add
from inspections.models import Indicator, Inspection
from inspections.services.entry import ItemEntry, inspection_save, inspection_start
from scoring.models import GradingRun, HallMonthResult, HallStatus, RunState
from scoring.services import default_policy_load


def image_upload(name: str = "photo.jpg", image_format: str = "JPEG", size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=image_format)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def month_publish(month: dt.date) -> GradingRun:
    policy, _ = default_policy_load()
    return GradingRun.objects.create(month=month, state=RunState.PUBLISHED, policy=policy)


def hall_make_exempt(hall, month: dt.date) -> None:
    """Publish the month before ``month`` with ``hall`` carrying the exempt status into ``month``."""
    previous = month_add(month, -1)
    run = month_publish(previous)
    HallMonthResult.objects.create(run=run, hall=hall, month=previous, next_status=HallStatus.EXEMPT)


def at(text: str) -> dt.datetime:
    """An aware Asia/Shanghai datetime from ``"2026-03-10 10:00"``."""
    return timezone.make_aware(dt.datetime.strptime(text, "%Y-%m-%d %H:%M"))


def codes(scheme) -> dict[str, Indicator]:
    return {ind.code: ind for ind in Indicator.objects.filter(scheme=scheme)}


def entries_for(scheme, values: dict[str, object]) -> dict[int, ItemEntry]:
    """Entries by indicator code: a number is points, "na" not applicable, ("veto", reason) a veto."""
    by_code = codes(scheme)
    entries = {}
    for code, value in values.items():
        if value == "na":
            entries[by_code[code].pk] = ItemEntry(not_applicable=True)
        elif isinstance(value, tuple) and value[0] == "veto":
            entries[by_code[code].pk] = ItemEntry(vetoed=True, note=value[1])
        else:
            entries[by_code[code].pk] = ItemEntry(points=Decimal(str(value)))
    return entries


def inspection_enter(*, user, hall, scheme, values: dict, when: str = "2026-03-10 10:00", kind="overt", submit=True):
    inspection = inspection_start(user=user, hall=hall, kind=kind, inspected_at=at(when))
    return inspection_save(
        inspection_id=inspection.pk,
        user=user,
        lock_version=inspection.lock_version,
        entries=entries_for(scheme, values),
        submit=submit,
    )


def refreshed(inspection: Inspection) -> Inspection:
    return Inspection.objects.get(pk=inspection.pk)


def publish_with_statuses(month: dt.date, halls: dict) -> GradingRun:
    """Publish ``month`` through the grading service from a draft giving each hall ({status: hall}) that status
    for the month after; publication makes the next month's inspection plans."""
    from scoring.services.grading import month_publish as grading_month_publish

    policy, _ = default_policy_load()
    run = GradingRun.objects.create(month=month, state=RunState.DRAFT, policy=policy)
    HallMonthResult.objects.bulk_create(
        [HallMonthResult(run=run, hall=hall, month=month, next_status=status) for status, hall in halls.items()]
    )
    return grading_month_publish(month=month)
