"""Reads for surveys and other imported evidence."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import Count, FloatField, QuerySet
from django.db.models.functions import Cast
from django.http import Http404

from halls.frames import queryset_frame
from halls.selectors import scope_for
from inspections.models import Inspection, InspectionItem, InspectionKind
from surveys.models import (
    Complaint,
    ComplaintCare,
    ImportBatch,
    RepairCase,
    SatisfactionMonth,
    SurveyDefinition,
    SurveyKind,
)


def satisfaction_index_frame(
    *, month: dt.date, hall_ids: list[int] | None = None, city_id: int | None = None
) -> pd.DataFrame:
    """The monthly customer-satisfaction index per hall, read from the per-hall monthly aggregate.

    index = mean over the month's customer-survey responses of (overall score / scale maximum) × 100,
    so 0–100 whatever the survey's scale; a hall with no response has no row (no data, not zero).
    Columns: hall_id, responses, index. Only ``hall_ids``, or only ``city_id``'s halls, when given.

    The scores are summed exactly per hall and survey (``SatisfactionMonth``, kept by the writers of
    responses: one row per hall and survey instead of some thirty responses), and each sum divided by its
    survey's scale here: the same mean as dividing response by response.
    """
    scales = dict(SurveyDefinition.objects.filter(kind=SurveyKind.CUSTOMER).values_list("pk", "scale_max"))
    qs = SatisfactionMonth.objects.filter(month=month, survey_id__in=list(scales), responses__gt=0)
    if hall_ids is not None:
        qs = qs.filter(hall_id__in=hall_ids)
    if city_id is not None:
        qs = qs.filter(hall__district__city_id=city_id)
    rows = queryset_frame(
        qs.values("hall_id", "survey_id", "responses", overall_sum_float=Cast("overall_sum", FloatField()))
    ).rename(columns={"overall_sum_float": "overall_sum"})
    rows["ratio_sum"] = rows["overall_sum"].astype(float) / rows["survey_id"].map(scales).astype(float)
    frame = rows.groupby("hall_id", as_index=False)[["responses", "ratio_sum"]].sum()
    frame["responses"] = frame["responses"].astype(int)
    frame["index"] = (frame["ratio_sum"] / frame["responses"] * 100).round(2)
    return frame[["hall_id", "responses", "index"]]


# --- Scoped reads for pages --------------------------------------------------------------------------


def phone_mask(phone: str) -> str:
    """13812341234 → 138****1234; anything shorter is masked whole."""
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def phone_for(*, phone: str, user) -> str:
    """The number as lists and pages show it to anyone: masked. Only the manager of the hall who must call
    the customer back sees it in full, on the case's follow-up page, and each showing is recorded
    (``surveys.services.repair.repair_phone_disclose``)."""
    return phone_mask(phone)


def import_batch_list() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("uploaded_by").defer("errors")


def repair_case_list(*, user, state: str | None = None, hall_id: int | None = None) -> QuerySet[RepairCase]:
    qs = RepairCase.objects.select_related("hall", "response__survey", "updated_by")
    if state:
        qs = qs.filter(state=state)
    if hall_id is not None:
        qs = qs.filter(hall_id=hall_id)
    return scope_for(user).filter(qs, hall_path="hall").order_by("state", "-response__responded_at")


def repair_case_get(*, user, pk: int) -> RepairCase:
    try:
        return repair_case_list(user=user).get(pk=pk)
    except RepairCase.DoesNotExist as exc:
        raise Http404("No repair case in your scope matches") from exc


def mystery_visit_list(*, user, hall_id: int | None = None) -> QuerySet[Inspection]:
    qs = Inspection.objects.filter(kind=InspectionKind.MYSTERY).select_related("hall", "scheme")
    if hall_id is not None:
        qs = qs.filter(hall_id=hall_id)
    return scope_for(user).filter(qs, hall_path="hall")


def mystery_visit_get(*, user, pk: int) -> tuple[Inspection, list[InspectionItem]]:
    """The visit and its items in tree order, or 404 outside the user's scope."""
    try:
        visit = mystery_visit_list(user=user).get(pk=pk)
    except Inspection.DoesNotExist as exc:
        raise Http404("No visit in your scope matches") from exc
    items = list(
        InspectionItem.objects.filter(inspection=visit)
        .select_related("indicator", "rectification")
        .order_by("indicator__order")
    )
    return visit, items


def complaint_list(*, user, hall_id: int | None = None) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("hall")
    if hall_id is not None:
        qs = qs.filter(hall_id=hall_id)
    return scope_for(user).filter(qs, hall_path="hall")


def survey_definition_list() -> QuerySet[SurveyDefinition]:
    return SurveyDefinition.objects.prefetch_related("dimensions").order_by("kind", "code")


def complaint_care_list(*, user, state: str | None = None) -> QuerySet[ComplaintCare]:
    """The care cases in ``user``'s scope, with how often each number was shown."""
    qs = ComplaintCare.objects.select_related("hall", "complaint", "caller").annotate(
        phone_views_count=Count("phone_views")
    )
    if state:
        qs = qs.filter(state=state)
    return scope_for(user).filter(qs, hall_path="hall").order_by("state", "-complaint__received_at", "pk")


def complaint_care_get(*, user, pk: int) -> ComplaintCare:
    try:
        return complaint_care_list(user=user).get(pk=pk)
    except ComplaintCare.DoesNotExist as exc:
        raise Http404("No care case in your scope matches") from exc
