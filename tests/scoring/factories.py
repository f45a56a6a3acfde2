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
from surveys.services.satisfaction import satisfaction_months_add
from tests.surveys.factories import survey_response_stored

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
    return survey_response_stored(
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


def province_generate(*, halls: int, cities: int, months: list[dt.date], scheme, seed: int = 7) -> list:
    """A random province for comparing grading paths: ``halls`` halls over ``cities`` cities (three districts
    each), with per month a mystery visit, an inspection (a few vetoed, some with bonus), one or two survey
    responses, complaints and adjustments, drawn from a coarse grid so that tied composites are common.
    About one hall in twenty has no evidence in a month (not graded). Bulk-created: a few queries."""
    import random

    from halls.models import HallKind
    from tests.factories import CityFactory, DistrictFactory, HallFactory

    rng = random.Random(seed)
    districts = [DistrictFactory(city=city) for city in (CityFactory() for _ in range(cities)) for _ in range(3)]
    hall_list = [
        HallFactory(district=districts[n % len(districts)], kind=rng.choice([HallKind.SELF_RUN, HallKind.PARTNER]))
        for n in range(halls)
    ]
    survey = customer_survey()
    inspections, responses, complaints, adjustments = [], [], [], []
    for month in months:
        for hall in hall_list:
            if rng.random() < 0.05:
                continue
            for kind in (InspectionKind.MYSTERY, InspectionKind.OVERT):
                if rng.random() < 0.15:
                    continue
                awarded = Decimal(rng.randrange(50, 101, 5))
                inspections.append(
                    Inspection(
                        hall=hall,
                        scheme=scheme,
                        kind=kind,
                        inspected_at=_at(month),
                        month=month,
                        state=InspectionState.SUBMITTED,
                        vendor="第三方暗访公司" if kind == InspectionKind.MYSTERY else "",
                        external_id=f"V{next(_ids):06d}" if kind == InspectionKind.MYSTERY else "",
                        points_awarded=awarded,
                        points_applicable=Decimal(100),
                        score=awarded,
                        vetoed=rng.random() < 0.02,
                        bonus_points=Decimal(rng.choice([0, 0, 0, 2, 6])),
                        deduction_points=Decimal(rng.choice([0, 0, 0, 0, 1])),
                    )
                )
            for _ in range(rng.randint(0, 2)):
                responses.append(
                    SurveyResponse(
                        survey=survey,
                        hall=hall,
                        external_id=f"R{next(_ids):06d}",
                        responded_at=_at(month),
                        month=month,
                        overall=Decimal(rng.randint(5, 10)),
                    )
                )
            for _ in range(rng.choice([0, 0, 0, 1, 2])):
                complaints.append(
                    Complaint(
                        external_id=f"C{next(_ids):06d}",
                        hall=hall,
                        received_at=_at(month),
                        month=month,
                        category="服务态度",
                        channel="10086",
                        substantiated=rng.random() < 0.7,
                    )
                )
            if rng.random() < 0.1:
                kind = rng.choice([AdjustmentKind.BONUS, AdjustmentKind.DEDUCTION])
                adjustments.append(
                    HallAdjustment(
                        external_id=f"A{next(_ids):06d}",
                        hall=hall,
                        date=month.replace(day=12),
                        month=month,
                        kind=kind,
                        points=Decimal(rng.choice([1, 2, 3])),
                        reason="表扬信" if kind == AdjustmentKind.BONUS else "违规",
                    )
                )
    Inspection.objects.bulk_create(inspections, batch_size=500)
    SurveyResponse.objects.bulk_create(responses, batch_size=500)
    satisfaction_months_add(responses=SurveyResponse.objects.filter(pk__in=[response.pk for response in responses]))
    Complaint.objects.bulk_create(complaints, batch_size=500)
    HallAdjustment.objects.bulk_create(adjustments, batch_size=500)
    return hall_list
