"""Evidence for grading tests: inspections and visits with stored totals, survey responses, complaints,
bonus and deduction events."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from inspections.models import Inspection, InspectionKind
from inspections.models.inspection import InspectionState
from surveys.models import AdjustmentKind, Complaint, HallAdjustment, SurveyDefinition, SurveyKind, SurveyResponse

_ids = itertools.count(1)


def _at(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(month.year, month.month, 10, 10, 0))


def inspection_add(
    hall,
    month: dt.date,
    *,
    scheme,
    awarded,
    applicable=100,
    kind: str = InspectionKind.OVERT,
    vetoed: bool = False,
    bonus=0,
    deduction=0,
) -> Inspection:
    awarded, applicable = Decimal(str(awarded)), Decimal(str(applicable))
    mystery = kind == InspectionKind.MYSTERY
    return Inspection.objects.create(
        hall=hall,
        scheme=scheme,
        kind=kind,
        inspected_at=_at(month),
        month=month,
        state=InspectionState.SUBMITTED,
        vendor="第三方暗访公司" if mystery else "",
        external_id=f"V{next(_ids):06d}" if mystery else "",
        points_awarded=awarded,
        points_applicable=applicable,
        score=(awarded / applicable * 100).quantize(Decimal("0.01")) if applicable else None,
        vetoed=vetoed,
        bonus_points=Decimal(str(bonus)),
        deduction_points=Decimal(str(deduction)),
    )


def visit_add(hall, month: dt.date, *, scheme, awarded, applicable=100, **kwargs) -> Inspection:
    return inspection_add(
        hall, month, scheme=scheme, awarded=awarded, applicable=applicable, kind=InspectionKind.MYSTERY, **kwargs
    )


def customer_survey() -> SurveyDefinition:
    survey, _ = SurveyDefinition.objects.get_or_create(
        code="CSAT", defaults={"name": "客户满意度", "kind": SurveyKind.CUSTOMER, "scale_max": 10}
    )
    return survey


def response_add(hall, month: dt.date, *, overall) -> SurveyResponse:
    return SurveyResponse.objects.create(
        survey=customer_survey(),
        hall=hall,
        external_id=f"R{next(_ids):06d}",
        responded_at=_at(month),
        month=month,
        overall=Decimal(str(overall)),
    )


def complaint_add(hall, month: dt.date, *, substantiated: bool = True) -> Complaint:
    return Complaint.objects.create(
        external_id=f"C{next(_ids):06d}",
        hall=hall,
        received_at=_at(month),
        month=month,
        category="服务态度",
        channel="10086",
        substantiated=substantiated,
    )


def adjustment_add(hall, month: dt.date, *, kind: str, points) -> HallAdjustment:
    return HallAdjustment.objects.create(
        external_id=f"A{next(_ids):06d}",
        hall=hall,
        date=month.replace(day=12),
        month=month,
        kind=kind,
        points=Decimal(str(points)),
        reason="表扬信" if kind == AdjustmentKind.BONUS else "违规",
    )
