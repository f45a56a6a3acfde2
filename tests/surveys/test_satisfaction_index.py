"""The monthly satisfaction index over customer surveys of different scales."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from surveys.models import SurveyDefinition, SurveyKind
from surveys.selectors import satisfaction_index_frame
from tests.surveys.factories import survey_response_stored

MARCH = dt.date(2026, 3, 1)


def _answer(survey, hall, overall, number):
    return survey_response_stored(
        survey=survey,
        hall=hall,
        external_id=f"S{number}",
        responded_at=timezone.make_aware(dt.datetime(2026, 3, 10, 10)),
        month=MARCH,
        overall=Decimal(overall),
    )


@pytest.mark.django_db
def test_the_index_is_the_mean_of_each_response_on_its_own_surveys_scale(world):
    ten = SurveyDefinition.objects.create(code="CSAT10", name="十分制", kind=SurveyKind.CUSTOMER, scale_max=10)
    five = SurveyDefinition.objects.create(code="CSAT5", name="五分制", kind=SurveyKind.CUSTOMER, scale_max=5)
    staff = SurveyDefinition.objects.create(code="STAFF", name="员工", kind=SurveyKind.STAFF, scale_max=10)
    for number, (survey, overall) in enumerate([(ten, "9"), (ten, "6"), (five, "4"), (staff, "1")]):
        _answer(survey, world.hall_a1, overall, number)
    _answer(five, world.hall_b1, "2.5", 9)

    frame = satisfaction_index_frame(month=MARCH).set_index("hall_id")

    # a1: (9/10 + 6/10 + 4/5) / 3 × 100 = 76.67; the staff survey does not count
    assert frame.loc[world.hall_a1.pk, "index"] == pytest.approx(76.67)
    assert frame.loc[world.hall_a1.pk, "responses"] == 3
    assert frame.loc[world.hall_b1.pk, "index"] == pytest.approx(50.0)
    only_b1 = satisfaction_index_frame(month=MARCH, hall_ids=[world.hall_b1.pk])
    assert only_b1["hall_id"].tolist() == [world.hall_b1.pk]
