"""Rectifications: opened in bulk when inspections are submitted or visits imported."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q
from django.utils import timezone

from inspections.models import IndicatorKind, InspectionItem, Rectification


def rectifications_open_for(*, inspection_ids: list[int], due_days: int) -> int:
    """Open a rectification for every item of these inspections that lost points, and every veto.

    Safe to call again: an item that has one already is skipped. Returns how many were opened.
    """
    lost = Q(indicator__kind=IndicatorKind.SCORED, not_applicable=False, points__lt=F("max_points"))
    items = (
        InspectionItem.objects.filter(inspection_id__in=inspection_ids)
        .filter(lost | Q(indicator__kind=IndicatorKind.VETO))
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
    Rectification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)
