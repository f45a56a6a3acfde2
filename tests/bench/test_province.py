"""The synthetic province: deterministic by seed, at the promised rates, with stored totals that obey the
inspection totals rule, loaded without breaking constraints or id sequences."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from bench.province import RESPONSES_PER_HALL, province_checksum, province_generate
from halls.errors import ApplicationError
from halls.models import Hall, Staff
from inspections.models import Indicator, IndicatorKind, Inspection, InspectionItem
from surveys.models import (
    Complaint,
    RepairCase,
    ServiceVolume,
    StaffServicePoints,
    SurveyAnswer,
    SurveyDimension,
    SurveyResponse,
)
from tests.factories import HallFactory

pytestmark = pytest.mark.django_db
JANUARY = dt.date(2026, 1, 1)
FEBRUARY = dt.date(2026, 2, 1)


class _Undo(Exception):
    pass


def _checksum_of(**options) -> str:
    """Generate inside a savepoint, take the checksum, roll everything back."""
    try:
        with transaction.atomic():
            province_generate(**options)
            checksum = province_checksum()
            raise _Undo
    except _Undo:
        return checksum


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first = _checksum_of(halls=12, months=1, seed=3, start=JANUARY)
    assert Hall.objects.count() == 0  # rolled back
    again = _checksum_of(halls=12, months=1, seed=3, start=JANUARY)
    other = _checksum_of(halls=12, months=1, seed=4, start=JANUARY)
    assert first == again
    assert other != first


def test_row_counts_follow_the_rates():
    province_generate(halls=40, months=2, seed=5, start=JANUARY)
    assert Hall.objects.count() == 40
    assert {kind for kind in Hall.objects.values_list("kind", flat=True)} == {"self_run", "partner"}
    staff_per_hall = Counter(Staff.objects.values_list("hall_id", flat=True))
    assert len(staff_per_hall) == 40 and set(staff_per_hall.values()) <= {5, 6, 7, 8}

    leaves = Indicator.objects.filter(kind=IndicatorKind.SCORED, level=3).count()
    for month in (JANUARY, FEBRUARY):
        kinds = Counter(Inspection.objects.filter(month=month).values_list("hall_id", "kind"))
        mystery = {hall: n for (hall, kind), n in kinds.items() if kind == "mystery"}
        onsite = Counter()
        for (hall, kind), n in kinds.items():
            if kind in ("overt", "remote"):
                onsite[hall] += n
        assert len(mystery) == 40 and set(mystery.values()) == {1}  # one mystery visit a hall a month
        assert set(onsite.values()) <= {2, 3, 4}
        assert 2.6 <= sum(onsite.values()) / 40 <= 3.4  # about 3 overt or remote inspections
        assert SurveyResponse.objects.filter(month=month).count() == RESPONSES_PER_HALL * 40
        assert ServiceVolume.objects.filter(month=month).count() == 40
        employed = Staff.objects.filter(active_from__lte=month).exclude(active_to__lt=month).count()
        assert StaffServicePoints.objects.filter(month=month).count() == employed

    # Every inspection has a result for every scored level-3 indicator.
    scored_per_inspection = Counter(
        InspectionItem.objects.filter(indicator__kind=IndicatorKind.SCORED).values_list("inspection_id", flat=True)
    )
    assert set(scored_per_inspection.values()) == {leaves}
    assert len(scored_per_inspection) == Inspection.objects.count()

    # Mystery visits carry a vendor and a visit id unique per vendor.
    visits = list(Inspection.objects.filter(kind="mystery").values_list("vendor", "external_id"))
    assert all(vendor and external for vendor, external in visits)
    assert len(set(visits)) == len(visits)

    # Per-dimension answers only for the last month, one per dimension and response.
    dimensions = SurveyDimension.objects.filter(survey__responses__isnull=False).distinct().count()
    assert dimensions == 6
    assert SurveyAnswer.objects.filter(response__month=JANUARY).count() == 0
    assert SurveyAnswer.objects.filter(response__month=FEBRUARY).count() == RESPONSES_PER_HALL * 40 * dimensions

    complaints = Complaint.objects.aggregate(n=Count("pk"))["n"]
    substantiated = Complaint.objects.filter(substantiated=True).count()
    assert 40 <= complaints <= 200 and 0 < substantiated < complaints
    assert not RepairCase.objects.exclude(response__overall__lte=6).exists()


def _expected_totals(items: list[InspectionItem]) -> dict:
    applicable = sum((i.max_points for i in items if i.indicator.kind == "scored" and not i.not_applicable), Decimal(0))
    awarded = sum((i.points for i in items if i.indicator.kind == "scored" and not i.not_applicable), Decimal(0))
    score = None
    if applicable:
        score = (awarded / applicable * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {
        "points_applicable": applicable,
        "points_awarded": awarded,
        "score": score,
        "vetoed": any(i.indicator.kind == "veto" for i in items),
        "bonus_points": sum((i.points for i in items if i.indicator.kind == "bonus"), Decimal(0)),
        "deduction_points": sum((i.points for i in items if i.indicator.kind == "deduction"), Decimal(0)),
    }


def test_stored_totals_obey_the_inspection_totals_rule():
    province_generate(halls=150, months=1, seed=2, start=JANUARY)
    items = defaultdict(list)
    for item in InspectionItem.objects.select_related("indicator"):
        items[item.inspection_id].append(item)
    fields = list(_expected_totals([]))
    inspections = list(Inspection.objects.values("pk", *fields))
    for stored in inspections:
        expected = _expected_totals(items[stored.pop("pk")])
        assert stored == expected
    # The data covers every branch of the rule.
    kinds = Counter(InspectionItem.objects.values_list("indicator__kind", flat=True))
    assert kinds["veto"] and kinds["deduction"] and kinds["bonus"]
    assert InspectionItem.objects.filter(not_applicable=True, points__isnull=True).exists()
    assert Inspection.objects.filter(vetoed=True).exists()
    assert len({row["score"] for row in inspections}) > 20  # scores spread, not one value


def test_new_rows_after_generation_get_fresh_ids():
    province_generate(halls=5, months=1, seed=1, start=JANUARY)
    hall = HallFactory()  # the id sequence was moved past the generated ids
    assert hall.pk > max(Hall.objects.exclude(pk=hall.pk).values_list("pk", flat=True))


def test_generator_refuses_a_database_that_already_has_halls():
    HallFactory()
    with pytest.raises(ApplicationError, match="已有营业厅"):
        province_generate(halls=5, months=1, seed=1, start=JANUARY)


def test_command_prints_the_timing_of_each_table():
    out = StringIO()
    call_command("generate_province", halls=6, months=1, seed=1, start="2026-03", stdout=out)
    output = out.getvalue()
    assert "inspections_inspectionitem" in output and "surveys_surveyresponse" in output
    assert "rows/s" in output
    assert "generated 6 halls × 1 months (2026-03..2026-03)" in output
    assert Inspection.objects.filter(month=dt.date(2026, 3, 1)).exists()


def test_command_reports_bad_input_clearly():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("generate_province", halls=6, months=1, start="March", stdout=StringIO())
