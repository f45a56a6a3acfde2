"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from halls.models import (
    CityCompany,
    DistrictCompany,
    Hall,
    HallKind,
    MarketingUnit,
    Role,
    Staff,
    StaffKind,
    UserProfile,
)


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityCompany
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:02d}")
    name = factory.Sequence(lambda n: f"第{n}地市分公司")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistrictCompany

    city = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}区县分公司")


class MarketingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketingUnit

    city = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}营销单元")


class HallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hall

    code = factory.Sequence(lambda n: f"H{n:05d}")
    name = factory.Sequence(lambda n: f"测试{n}号营业厅")
    kind = HallKind.SELF_RUN
    district = factory.SubFactory(DistrictFactory)
    marketing_unit = factory.SubFactory(MarketingUnitFactory, city=factory.SelfAttribute("..district.city"))
    address = "人民路1号"
    opened_on = dt.date(2020, 1, 1)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    hall = factory.SubFactory(HallFactory)
    employee_no = factory.Sequence(lambda n: f"E{n:06d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    kind = StaffKind.EMPLOYEE
    active_from = dt.date(2021, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def hq_user(**kwargs):
    user = UserFactory(**kwargs)
    UserProfile.objects.create(user=user, role=Role.HQ)
    return user


def district_manager(*districts, **kwargs):
    user = UserFactory(**kwargs)
    profile = UserProfile.objects.create(user=user, role=Role.DISTRICT_MANAGER)
    profile.districts.set(districts)
    return user


def city_manager(*cities, **kwargs):
    """A city company's customer service (地市客服) over ``cities``."""
    user = UserFactory(**kwargs)
    profile = UserProfile.objects.create(user=user, role=Role.CITY_MANAGER)
    profile.cities.set(cities)
    return user


def hall_manager(hall, **kwargs):
    user = UserFactory(**kwargs)
    UserProfile.objects.create(user=user, role=Role.HALL_MANAGER, hall=hall)
    return user


def d(value) -> Decimal:
    return Decimal(str(value))
