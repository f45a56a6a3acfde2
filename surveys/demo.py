"""Demo evidence for the demo province: mystery visits, satisfaction responses (with their repair list),
complaints, activities, bonus and deduction events, service volumes and staff service points.

Deterministic for a seed and idempotent: every row has the natural key an import would give it, and rows
whose keys exist are not created again. Everything is written in bulk.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from halls.models import Hall, Staff
from halls.months import month_add, month_start
from inspections.models import Indicator, IndicatorKind, Inspection, InspectionItem, InspectionKind, InspectionState
from inspections.selectors import scheme_in_force
from inspections.services.rectification import rectifications_open_for
from surveys.imports.kinds.visits import ItemResult, visit_totals
from surveys.models import (
    ActivityParticipation,
    AdjustmentKind,
    Complaint,
    ComplaintCare,
    HallAdjustment,
    RepairCase,
    ServiceVolume,
    StaffServicePoints,
    SurveyAnswer,
    SurveyResponse,
)
from surveys.services.definitions import CUSTOMER_SURVEY_CODE, survey_defaults_load
from surveys.services.satisfaction import satisfaction_months_add

DEMO_VENDOR = "演示调研公司"
SCENARIOS = ["办理套餐变更", "咨询宽带业务", "补换 SIM 卡", "缴费与发票", "投诉受理", "新机入网"]
COMPLAINT_CATEGORIES = ["服务态度", "等候时间", "业务差错", "环境设施", "营销推荐"]
CHANNELS = ["10086", "工信部", "线上客服", "现场"]
HALF = Decimal("0.5")


def _demo_phone(key: str) -> str:
    """A made-up mobile number derived from the record id (no draw from the random streams, so adding it
    changed none of the demo's other figures)."""
    return f"139{zlib.crc32(key.encode()) % 100_000_000:08d}"


def _aware(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def _day_in(month: dt.date, rng: random.Random) -> dt.date:
    return month.replace(day=rng.randint(1, 28))


def _score(rng: random.Random, mean: float, low: float = 1, high: float = 10) -> Decimal:
    value = max(low, min(high, rng.gauss(mean, 1.3)))
    return Decimal(str(round(value * 2) / 2)).quantize(Decimal("0.1"))


@transaction.atomic
def demo_evidence_seed(*, halls: list[Hall], months: int, seed: int, today: dt.date) -> dict[str, int]:
    """Evidence for the ``months`` whole months before ``today``'s; returns how many rows of each were made."""
    surveys = {survey.code: survey for survey in survey_defaults_load()}
    csat = surveys[CUSTOMER_SURVEY_CODE]
    dimensions = list(csat.dimensions.all())
    first = month_add(month_start(today), -months)
    month_list = [month_add(first, offset) for offset in range(months)]
    counts = dict.fromkeys(["visits", "responses", "complaints", "activities", "adjustments", "volumes", "points"], 0)

    existing_visits = set(Inspection.objects.filter(vendor=DEMO_VENDOR).values_list("external_id", flat=True))
    existing_responses = set(SurveyResponse.objects.filter(survey=csat).values_list("external_id", flat=True))
    existing_complaints = set(Complaint.objects.values_list("external_id", flat=True))
    existing_activities = set(ActivityParticipation.objects.values_list("external_id", flat=True))
    existing_adjustments = set(HallAdjustment.objects.values_list("external_id", flat=True))
    existing_volumes = set(ServiceVolume.objects.values_list("hall_id", "month"))
    existing_points = set(StaffServicePoints.objects.values_list("staff_id", "month"))
    staff_by_hall: dict[int, list[Staff]] = {}
    for person in Staff.objects.filter(hall__in=halls):
        staff_by_hall.setdefault(person.hall_id, []).append(person)

    visits: list[Inspection] = []
    visit_items: list[list[ItemResult]] = []
    responses: list[SurveyResponse] = []
    answers: list[list[tuple[int, Decimal]]] = []
    complaints, activities, adjustments, volumes, points = [], [], [], [], []
    leaves_cache: dict[int, list[Indicator]] = {}

    for hall in halls:
        # A hall has a character: some are steadily good, some struggle; it shows in every kind of evidence.
        quality = random.Random(f"{seed}-{hall.code}").uniform(0.55, 1.0)
        for month in month_list:
            tag = f"{hall.code}-{month:%Y%m}"

            def stream(name: str, tag=tag) -> random.Random:
                # One stream per kind, every value drawn whether or not the row exists: a re-run draws the same.
                return random.Random(f"{seed}-{tag}-{name}")

            rng = stream("visit")
            scheme = scheme_in_force(on=month)
            if scheme.pk not in leaves_cache:
                leaves_cache[scheme.pk] = [
                    ind
                    for ind in Indicator.objects.filter(scheme=scheme).order_by("order")
                    if ind.kind != IndicatorKind.SCORED or (ind.level == 3 and not ind.children.exists())
                ]
            external_id = f"DEMO-{tag}"
            if external_id not in existing_visits:
                items = []
                for ind in leaves_cache[scheme.pk]:
                    if ind.kind == IndicatorKind.SCORED:
                        if ind.allow_na and rng.random() < 0.1:
                            items.append(ItemResult(ind.pk, ind.kind, None, ind.points, True))
                            continue
                        lost = ind.points * HALF if rng.random() > quality + 0.08 else Decimal("0")
                        items.append(ItemResult(ind.pk, ind.kind, ind.points - lost, ind.points))
                    elif ind.kind == IndicatorKind.VETO and rng.random() < 0.01 * (1.2 - quality):
                        items.append(ItemResult(ind.pk, ind.kind, None, Decimal("0"), note="暗访触发一票否决"))
                    elif ind.kind in (IndicatorKind.BONUS, IndicatorKind.DEDUCTION) and rng.random() < 0.05:
                        items.append(ItemResult(ind.pk, ind.kind, ind.points, ind.points))
                totals = visit_totals(items)
                visits.append(
                    Inspection(
                        hall=hall, scheme=scheme, kind=InspectionKind.MYSTERY, state=InspectionState.SUBMITTED,
                        inspected_at=_aware(_day_in(month, rng), rng.randint(9, 17), rng.choice((0, 15, 30, 45))),
                        month=month, vendor=DEMO_VENDOR, external_id=external_id, scenario=rng.choice(SCENARIOS),
                        shopper_code=f"S{rng.randint(1, 40):03d}", points_awarded=totals.points_awarded,
                        points_applicable=totals.points_applicable, score=totals.score, vetoed=totals.vetoed,
                        bonus_points=totals.bonus_points, deduction_points=totals.deduction_points,
                        submitted_at=timezone.now(),
                    )
                )  # fmt: skip
                visit_items.append(items)
            rng = stream("responses")
            for number in range(1, rng.randint(20, 30) + 1):
                code = f"DEMO-{tag}-{number:02d}"
                overall = _score(rng, 5.5 + 4 * quality)
                response = SurveyResponse(
                        survey=csat, hall=hall, external_id=code, month=month,
                        responded_at=_aware(_day_in(month, rng), rng.randint(9, 18), rng.randint(0, 59)),
                        respondent_phone=f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}", overall=overall,
                        comment=rng.choice(["", "", "等候太久", "服务很好", "环境不错", "业务办理慢"]),
                )  # fmt: skip
                scores = [(dim.pk, _score(rng, float(overall))) for dim in dimensions]
                if code not in existing_responses:
                    responses.append(response)
                    answers.append(scores)
            rng = stream("complaints")
            for number in range(1, (rng.random() > quality) + (rng.random() > 0.8) + 1):
                complaint = Complaint(
                    external_id=f"DEMO-{tag}-{number}", hall=hall, month=month,
                    category=rng.choice(COMPLAINT_CATEGORIES),
                    received_at=_aware(_day_in(month, rng), rng.randint(8, 20), 0),
                    channel=rng.choice(CHANNELS), substantiated=rng.random() < 0.4,
                    customer_phone=_demo_phone(f"DEMO-{tag}-{number}"),
                )  # fmt: skip
                if complaint.external_id not in existing_complaints:
                    complaints.append(complaint)
            rng = stream("activities")
            if rng.random() < 0.5 and f"DEMO-{tag}" not in existing_activities:
                activities.append(
                    ActivityParticipation(
                        external_id=f"DEMO-{tag}", hall=hall, date=_day_in(month, rng), month=month,
                        activity=rng.choice(["315 消费者权益日", "服务明星评选", "社区便民服务"]), points=Decimal("1"),
                    )
                )  # fmt: skip
            rng = stream("adjustments")
            if rng.random() < 0.25 and f"DEMO-{tag}" not in existing_adjustments:
                bonus = rng.random() < quality
                adjustments.append(
                    HallAdjustment(
                        external_id=f"DEMO-{tag}", hall=hall, date=_day_in(month, rng), month=month,
                        kind=AdjustmentKind.BONUS if bonus else AdjustmentKind.DEDUCTION,
                        points=Decimal("1") if bonus else Decimal("2"),
                        reason="客户表扬信" if bonus else "服务承诺未兑现",
                    )
                )  # fmt: skip
            rng = stream("volumes")
            if (hall.pk, month) not in existing_volumes:
                volumes.append(
                    ServiceVolume(
                        hall=hall, month=month, front_desk=rng.randint(1500, 6000),
                        assisted_self_service=rng.randint(200, 1500), self_service_terminal=rng.randint(500, 3000),
                    )
                )  # fmt: skip
            rng = stream("points")
            for person in staff_by_hall.get(hall.pk, []):
                active = person.active_from <= month and (person.active_to is None or person.active_to >= month)
                value = Decimal(rng.randint(600, 1800)) / 10
                if active and (person.pk, month) not in existing_points:
                    points.append(StaffServicePoints(staff=person, month=month, points=value))

    Inspection.objects.bulk_create(visits, batch_size=500)
    InspectionItem.objects.bulk_create(
        [
            InspectionItem(
                inspection=visit, indicator_id=item.indicator_id, points=item.points, max_points=item.max_points,
                not_applicable=item.not_applicable, note=item.note,
            )
            for visit, items in zip(visits, visit_items, strict=True)
            for item in items
        ],
        batch_size=150,
    )  # fmt: skip
    rectifications_open_for(inspection_ids=[visit.pk for visit in visits], due_days=7)
    SurveyResponse.objects.bulk_create(responses, batch_size=500)
    satisfaction_months_add(responses=SurveyResponse.objects.filter(pk__in=[response.pk for response in responses]))
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(response=response, dimension_id=dimension_id, score=score)
            for response, scores in zip(responses, answers, strict=True)
            for dimension_id, score in scores
        ],
        batch_size=300,
    )
    RepairCase.objects.bulk_create(
        [RepairCase(response=r, hall_id=r.hall_id) for r in responses if r.overall <= csat.repair_threshold],
        batch_size=500,
    )
    Complaint.objects.bulk_create(complaints, batch_size=500)
    ComplaintCare.objects.bulk_create(
        [ComplaintCare(complaint=c, hall_id=c.hall_id) for c in complaints if c.customer_phone], batch_size=500
    )
    ActivityParticipation.objects.bulk_create(activities, batch_size=500)
    HallAdjustment.objects.bulk_create(adjustments, batch_size=500)
    ServiceVolume.objects.bulk_create(volumes, batch_size=500)
    StaffServicePoints.objects.bulk_create(points, batch_size=500)
    counts.update(
        visits=len(visits), responses=len(responses), complaints=len(complaints), activities=len(activities),
        adjustments=len(adjustments), volumes=len(volumes), points=len(points),
    )  # fmt: skip
    return counts
