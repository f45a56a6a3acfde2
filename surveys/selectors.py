"""Reads for surveys and other imported evidence."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Cast

from surveys.models import SurveyKind, SurveyResponse


def satisfaction_index_frame(*, month: dt.date, hall_ids: list[int] | None = None) -> pd.DataFrame:
    """The monthly customer-satisfaction index per hall, one SQL aggregate.

    index = mean over the month's customer-survey responses of (overall score / scale maximum) × 100,
    so 0–100 whatever the survey's scale; a hall with no response has no row (no data, not zero).
    Columns: hall_id, responses, index.
    """
    qs = SurveyResponse.objects.filter(month=month, survey__kind=SurveyKind.CUSTOMER)
    if hall_ids is not None:
        qs = qs.filter(hall_id__in=hall_ids)
    rows = qs.values("hall_id").annotate(
        responses=Count("pk"),
        ratio_sum=Sum(Cast(F("overall"), FloatField()) / Cast(F("survey__scale_max"), FloatField())),
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["hall_id", "responses", "ratio_sum"])
    frame["index"] = (frame["ratio_sum"] / frame["responses"] * 100).round(2)
    return frame[["hall_id", "responses", "index"]]
