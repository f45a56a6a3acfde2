"""Reads for indicator schemes and inspections."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from halls.errors import ApplicationError
from halls.months import month_start
from inspections.models import Indicator, IndicatorScheme, SchemeState


def scheme_in_force(*, on: dt.date) -> IndicatorScheme:
    """The scheme that governs ``on``'s month: the latest non-draft one effective by then."""
    month = month_start(on)
    scheme = (
        IndicatorScheme.objects.exclude(state=SchemeState.DRAFT)
        .filter(effective_from__lte=month)
        .order_by("-effective_from")
        .first()
    )
    if scheme is None:
        raise ApplicationError(f"{month:%Y-%m} 没有生效的指标体系")
    return scheme


def scheme_list() -> QuerySet[IndicatorScheme]:
    return IndicatorScheme.objects.all()


def scheme_tree(*, scheme: IndicatorScheme) -> list[dict]:
    """The scheme as nested dicts (one query), for the tree page and the inspection form."""
    indicators = list(Indicator.objects.filter(scheme=scheme).order_by("level", "order", "code"))
    nodes = {ind.pk: {"indicator": ind, "children": []} for ind in indicators}
    roots: list[dict] = []
    for ind in indicators:
        (nodes[ind.parent_id]["children"] if ind.parent_id else roots).append(nodes[ind.pk])
    return roots
