"""Factories for the service bonus, and published gradings built directly (grading itself lives elsewhere)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from incentives.models import BonusPool, BonusSplit, CoefficientBasis, CoefficientTable, HallBonus, UnitBonus
from scoring.models import Grade, GradingRun, HallMonthResult, HallStatus, RunState
from scoring.services import default_policy_load
from surveys.models import ServiceVolume, StaffServicePoints
from tests.factories import MarketingUnitFactory, StaffFactory


class CoefficientTableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoefficientTable
        django_get_or_create = ("version",)

    version = 1
    # The default table's month (migration incentives 0002); get_or_create then finds that row where it exists.
    effective_from = dt.date(2000, 1, 1)


class BonusPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BonusPool

    marketing_unit = factory.SubFactory(MarketingUnitFactory)
    month = dt.date(2026, 3, 1)
    amount = Decimal("10000.00")


class GradingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GradingRun

    month = dt.date(2026, 3, 1)
    revision = 1
    state = RunState.PUBLISHED
    policy = factory.LazyFunction(lambda: default_policy_load()[0])
    finished_at = factory.LazyFunction(timezone.now)
    published_at = factory.LazyFunction(timezone.now)


class HallMonthResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HallMonthResult

    run = factory.SubFactory(GradingRunFactory)
    month = factory.SelfAttribute("run.month")
    graded = True
    composite = Decimal("85.00")
    grade = Grade.B
    status = HallStatus.NORMAL
    next_status = HallStatus.NORMAL


class ServiceVolumeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceVolume

    month = dt.date(2026, 3, 1)
    front_desk = 0
    assisted_self_service = 0
    self_service_terminal = 0


class StaffPointsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffServicePoints

    staff = factory.SubFactory(StaffFactory)
    month = dt.date(2026, 3, 1)
    points = Decimal("100.00")


def published_month(month: dt.date, results: dict, *, revision: int = 1) -> GradingRun:
    """A published grading of ``month``: ``results`` maps each hall to the fields of its result,
    e.g. ``{hall: {"grade": "A"}, other: {"graded": False, "grade": ""}}``."""
    run = GradingRunFactory(month=month, revision=revision)
    for hall, fields in results.items():
        fields = dict(fields)
        if fields.get("graded") is False:
            fields.setdefault("grade", "")
            fields.setdefault("composite", None)
        HallMonthResultFactory(run=run, hall=hall, **fields)
    return run


def hall_bonus_split(*halls, run: GradingRun) -> BonusSplit:
    """A draft split of ``run``'s month giving each hall ¥100.00 (the table and unit rows it needs, nothing more)."""
    split = BonusSplit.objects.create(
        month=run.month, revision=1, grading_run=run, coefficients=CoefficientTableFactory()
    )
    for hall in halls:
        unit, _ = UnitBonus.objects.get_or_create(split=split, marketing_unit=hall.marketing_unit)
        HallBonus.objects.create(
            split=split,
            unit=unit,
            hall=hall,
            coefficient_basis=CoefficientBasis.GRADE,
            volume=1000,
            coefficient=Decimal("1.00"),
            weight=Decimal("1000"),
            amount=Decimal("100.00"),
            staff_unallocated=Decimal("100.00"),
        )
    return split
