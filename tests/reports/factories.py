"""Test data for the report pages: published (or draft) gradings with their result rows, submitted
inspections with item results, rectifications and repair cases. Built directly, not through the grading,
entry or import services (other issues own those), so each test states the figures it reads back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import factory
from django.utils import timezone

from inspections.models import (
    Indicator,
    IndicatorScheme,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionState,
    Rectification,
    RectificationState,
)
from inspections.services.tree import scheme_create_from_spec
from scoring.models import GradingRun, HallMonthResult, HallStatus, RunState
from scoring.services import default_policy_load
from surveys.models import RepairCase, RepairState, SurveyDefinition, SurveyKind, SurveyResponse
from tests.factories import HallFactory, d
from tests.surveys.factories import survey_response_stored

# A small three-level tree, in force from January 2025:
#
#   S 服务 (60)                       Q 排队 (40)
#   ├── S1 仪容 (30)                  └── Q1 等候 (40)
#   │   ├── S1.1 工装  20                 ├── Q1.1 时长  30
#   │   └── S1.2 工牌  10                 └── Q1.2 秩序  10
#   └── S2 礼貌 (30)
#       └── S2.1 态度  30
REPORT_TREE = [
    (
        "S", "服务", "Service", 60, "scored", False,
        [
            ("S1", "仪容", "Appearance", 30, "scored", False,
             [("S1.1", "工装", "Uniform", 20, "scored", False, []),
              ("S1.2", "工牌", "Badge", 10, "scored", False, [])]),
            ("S2", "礼貌", "Courtesy", 30, "scored", False, [("S2.1", "态度", "Attitude", 30, "scored", False, [])]),
        ],
    ),
    (
        "Q", "排队", "Queue", 40, "scored", False,
        [
            ("Q1", "等候", "Waiting", 40, "scored", False,
             [("Q1.1", "时长", "Time", 30, "scored", False, []), ("Q1.2", "秩序", "Order", 10, "scored", False, [])]),
        ],
    ),
    ("V", "否决", "Veto", None, "veto", False, []),
]  # fmt: skip
FULL_MARKS = {"S1.1": 20, "S1.2": 10, "S2.1": 30, "Q1.1": 30, "Q1.2": 10}


def report_scheme() -> IndicatorScheme:
    existing = IndicatorScheme.objects.filter(name="报表测试树").first()
    if existing:
        return existing
    return scheme_create_from_spec(
        spec=REPORT_TREE, name="报表测试树", effective_from=dt.date(2025, 1, 1), activate=True
    )


def grading_run(month: dt.date, *, state: str = RunState.PUBLISHED, revision: int = 1) -> GradingRun:
    policy, _created = default_policy_load()
    return GradingRun.objects.create(
        month=month,
        revision=revision,
        state=state,
        policy=policy,
        finished_at=timezone.now(),
        published_at=timezone.now() if state == RunState.PUBLISHED else None,
    )


class HallMonthResultFactory(factory.django.DjangoModelFactory):
    """A graded result: mystery 90 × 40 + satisfaction 80 × 30 + inspection 70 × 20 + complaints 100 × 10
    = 36 + 24 + 14 + 10 = 84.00 unless the test says otherwise."""

    class Meta:
        model = HallMonthResult

    run = None
    hall = factory.SubFactory(HallFactory)
    month = factory.SelfAttribute("run.month")
    mystery_score = d(90)
    mystery_weight = d(40)
    satisfaction_score = d(80)
    satisfaction_weight = d(30)
    inspection_score = d(70)
    inspection_weight = d(20)
    complaint_score = d(100)
    complaint_weight = d(10)
    composite = d(84)
    grade = "B"
    rank_city = 1
    rank_district = 1
    rank_kind = 1
    city_size = 1
    status = HallStatus.NORMAL
    next_status = HallStatus.NORMAL


def inspection_submit(
    *,
    hall,
    month: dt.date,
    points: dict[str, float] | None = None,
    kind: str = InspectionKind.OVERT,
    inspector=None,
    vendor: str = "",
    external_id: str = "",
    scheme: IndicatorScheme | None = None,
) -> Inspection:
    """A submitted inspection whose items score ``points`` (full marks for codes not given), with its
    totals computed by the shared rule: score = awarded / applicable × 100."""
    scheme = scheme or report_scheme()
    marks = {**FULL_MARKS, **(points or {})}
    indicators = {ind.code: ind for ind in Indicator.objects.filter(scheme=scheme, code__in=list(marks))}
    awarded = sum(Decimal(str(v)) for v in marks.values())
    applicable = sum(Decimal(str(FULL_MARKS[c])) for c in marks)
    inspection = Inspection.objects.create(
        hall=hall,
        scheme=scheme,
        kind=kind,
        inspected_at=timezone.make_aware(dt.datetime(month.year, month.month, 10, 10)),
        month=month,
        state=InspectionState.SUBMITTED,
        inspector=inspector,
        vendor=vendor,
        external_id=external_id or (f"V-{hall.pk}-{month:%Y%m}-{vendor}" if kind == InspectionKind.MYSTERY else ""),
        points_awarded=awarded,
        points_applicable=applicable,
        score=(awarded / applicable * 100).quantize(Decimal("0.01")),
        submitted_at=timezone.now(),
    )
    InspectionItem.objects.bulk_create(
        InspectionItem(
            inspection=inspection,
            indicator=indicators[code],
            points=Decimal(str(value)),
            max_points=Decimal(str(FULL_MARKS[code])),
        )
        for code, value in marks.items()
    )
    return inspection


def rectification(
    *, inspection: Inspection, code: str, state: str = RectificationState.OPEN, due: dt.date
) -> Rectification:
    item = inspection.items.get(indicator__code=code)
    return Rectification.objects.create(
        item=item, inspection=inspection, hall=inspection.hall, indicator=item.indicator, state=state, due_date=due
    )


def repair_case(*, hall, overall: float = 3, state: str = RepairState.OPEN) -> RepairCase:
    survey, _created = SurveyDefinition.objects.get_or_create(
        code="CSAT", defaults={"name": "客户满意度", "kind": SurveyKind.CUSTOMER}
    )
    response = survey_response_stored(
        survey=survey,
        hall=hall,
        external_id=f"R{SurveyResponse.objects.count() + 1}",
        responded_at=timezone.now(),
        month=dt.date.today().replace(day=1),
        overall=Decimal(str(overall)),
    )
    return RepairCase.objects.create(response=response, hall=hall, state=state)


MAY = dt.date(2026, 5, 1)
JUNE = dt.date(2026, 6, 1)
JULY = dt.date(2026, 7, 1)


@dataclass
class Gradings:
    may: GradingRun
    june: GradingRun
    july_draft: GradingRun


def gradings_build(world) -> Gradings:
    """May and June published, July a draft under review, for the four halls of ``world``.

    June city ranks: a1 1st (92.5 A), b1 2nd (85 B), a2 3rd (75 C), b2 4th (55 D, vetoed).
    a1's June composite: 95 × 40% + 90 × 30% + 90 × 20% + 95 × 10% = 38 + 27 + 18 + 9.5 = 92.50.
    May city ranks:  b1 1st, a1 2nd, b2 3rd, a2 4th — so a1 and a2 rose one place, b1 and b2 fell one.
    July (draft): a1 last with 60.
    """
    may, june, july = grading_run(MAY), grading_run(JUNE), grading_run(JULY, state=RunState.DRAFT)
    for hall, rank, composite in (
        (world.hall_b1, 1, 90),
        (world.hall_a1, 2, 88),
        (world.hall_b2, 3, 80),
        (world.hall_a2, 4, 70),
    ):
        HallMonthResultFactory(run=may, hall=hall, rank_city=rank, city_size=4, composite=d(composite))
    rows = (
        (
            world.hall_a1,
            1,
            1,
            "92.50",
            "A",
            {
                "next_status": "exempt",
                "star_nominee": True,
                "mystery_score": d(95),
                "satisfaction_score": d(90),
                "inspection_score": d(90),
                "complaint_score": d(95),
            },
        ),
        (world.hall_b1, 2, 1, "85.00", "B", {}),
        (world.hall_a2, 3, 2, "75.00", "C", {}),
        (world.hall_b2, 4, 2, "55.00", "D", {"vetoed": True, "next_status": "monitored"}),
    )
    for hall, rank_city, rank_district, composite, grade, extra in rows:
        HallMonthResultFactory(
            run=june, hall=hall, rank_city=rank_city, rank_district=rank_district, rank_kind=rank_city,
            city_size=4, composite=d(composite), grade=grade, **extra,
        )  # fmt: skip
    HallMonthResultFactory(run=july, hall=world.hall_a1, rank_city=4, city_size=4, composite=d(60), grade="D")
    return Gradings(may=may, june=june, july_draft=july)
