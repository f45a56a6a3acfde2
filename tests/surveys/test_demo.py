"""The demo evidence: about one visit per hall and month, 20–30 responses, the rest; deterministic, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from halls.demo import demo_org_build
from inspections.models import Inspection, InspectionKind, Rectification
from inspections.services.tree import default_tree_load
from surveys.demo import demo_evidence_seed
from surveys.models import RepairCase, ServiceVolume, StaffServicePoints, SurveyResponse

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def org(db):
    default_tree_load()
    return demo_org_build(hall_count=6, seed=3, today=TODAY)


def test_demo_evidence_covers_every_hall_and_month(org):
    counts = demo_evidence_seed(halls=org.halls, months=2, seed=3, today=TODAY)
    assert counts["visits"] == Inspection.objects.filter(kind=InspectionKind.MYSTERY).count() == 12
    assert set(Inspection.objects.values_list("month", flat=True)) == {dt.date(2026, 9, 1), dt.date(2026, 10, 1)}
    per_hall_month = SurveyResponse.objects.values_list("hall_id", "month")
    assert 6 * 2 * 20 <= per_hall_month.count() <= 6 * 2 * 30
    assert ServiceVolume.objects.count() == 12
    assert StaffServicePoints.objects.exists()
    # The repair list holds exactly the responses at or below the threshold, and lost points are being rectified.
    assert RepairCase.objects.count() == SurveyResponse.objects.filter(overall__lte=6).count()
    lost = Inspection.objects.filter(points_awarded__lt=F("points_applicable"))
    assert lost.exists()
    assert all(Rectification.objects.filter(inspection=visit).exists() for visit in lost)
    visit = Inspection.objects.first()
    assert visit.score == (visit.points_awarded / visit.points_applicable * 100).quantize(visit.score)


def test_demo_evidence_is_idempotent_and_deterministic(org):
    demo_evidence_seed(halls=org.halls, months=2, seed=3, today=TODAY)
    snapshot = list(
        SurveyResponse.objects.order_by("external_id").values_list("external_id", "overall", "respondent_phone")
    )
    scores = list(Inspection.objects.order_by("external_id").values_list("external_id", "score"))
    again = demo_evidence_seed(halls=org.halls, months=2, seed=3, today=TODAY)
    assert set(again.values()) == {0}
    assert (
        list(SurveyResponse.objects.order_by("external_id").values_list("external_id", "overall", "respondent_phone"))
        == snapshot
    )
    assert list(Inspection.objects.order_by("external_id").values_list("external_id", "score")) == scores
