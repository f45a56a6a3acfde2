from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from surveys.models import Complaint, RepairCase, SurveyDefinition, SurveyKind, SurveyResponse
from surveys.services.satisfaction import satisfaction_months_add
from tests.factories import HallFactory


def survey_response_stored(**fields) -> SurveyResponse:
    """A response written as the importers write one: the row, and its share of the monthly aggregate."""
    response = SurveyResponse.objects.create(**fields)
    satisfaction_months_add(responses=SurveyResponse.objects.filter(pk=response.pk))
    return response


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyDefinition
        django_get_or_create = ("code",)

    code = "CSAT-T"
    name = "客户满意度（测试）"
    kind = SurveyKind.CUSTOMER


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    survey = factory.SubFactory(SurveyFactory)
    hall = factory.SubFactory(HallFactory)
    external_id = factory.Sequence(lambda n: f"Q{n:06d}")
    responded_at = factory.LazyFunction(lambda: timezone.make_aware(dt.datetime(2026, 3, 10, 15, 0)))
    month = dt.date(2026, 3, 1)
    respondent_phone = "13812341234"
    overall = Decimal("3")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return survey_response_stored(*args, **kwargs)


class RepairCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairCase

    response = factory.SubFactory(SurveyResponseFactory)
    hall = factory.SelfAttribute("response.hall")


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    external_id = factory.Sequence(lambda n: f"T{n:06d}")
    hall = factory.SubFactory(HallFactory)
    received_at = factory.LazyFunction(lambda: timezone.make_aware(dt.datetime(2026, 3, 10, 15, 0)))
    month = dt.date(2026, 3, 1)
    category = "服务态度"
    channel = "10086"
