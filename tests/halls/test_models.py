"""The database itself refuses invalid halls, staff and roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from halls.models import Role, UserProfile
from tests.factories import HallFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_hall_code_is_unique():
    HallFactory(code="X1")
    with pytest.raises(IntegrityError), transaction.atomic():
        HallFactory(code="X1")


def test_hall_kind_must_be_a_known_choice():
    with pytest.raises(IntegrityError), transaction.atomic():
        HallFactory(kind="franchise")


def test_hall_cannot_close_before_it_opened():
    with pytest.raises(IntegrityError), transaction.atomic():
        HallFactory(opened_on=dt.date(2024, 5, 1), closed_on=dt.date(2024, 4, 30))


def test_staff_cannot_leave_before_joining():
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffFactory(active_from=dt.date(2024, 5, 1), active_to=dt.date(2024, 1, 1))


def test_hall_manager_profile_requires_a_hall():
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        UserProfile.objects.create(user=user, role=Role.HALL_MANAGER)


def test_district_manager_profile_cannot_carry_a_hall():
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        UserProfile.objects.create(user=user, role=Role.DISTRICT_MANAGER, hall=HallFactory())
