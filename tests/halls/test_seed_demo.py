"""The demo province is deterministic, idempotent, and gives each demo login its own scope."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from halls.models import Hall, Staff
from halls.selectors import hall_list
from inspections.models import Inspection

pytestmark = pytest.mark.django_db


def _seed(halls=30, seed=7) -> str:
    out = StringIO()
    call_command("seed_demo", halls=halls, months=1, seed=seed, stdout=out)
    return out.getvalue()


def _demo_results_and_evidence_delete():
    from incentives.models import BonusSplit
    from scoring.models import GradingRun
    from surveys import models as evidence

    BonusSplit.objects.all().delete()
    GradingRun.objects.all().delete()
    Inspection.objects.all().delete()
    for model in (
        evidence.StaffServicePoints, evidence.ServiceVolume, evidence.HallAdjustment, evidence.ActivityParticipation,
        evidence.Complaint, evidence.RepairCase, evidence.SurveyResponse, evidence.SatisfactionMonth,
    ):  # fmt: skip
        model.objects.all().delete()


def test_seed_demo_prints_a_login_per_role():
    output = _seed()
    for username in ("hq", "city", "district", "hall"):
        assert f"  {username} " in output
    assert "hallq-demo-2026" in output


def test_seed_demo_run_twice_adds_nothing():
    _seed()
    halls, staff = Hall.objects.count(), Staff.objects.count()
    _seed()
    assert (Hall.objects.count(), Staff.objects.count()) == (halls, staff) == (30, staff)


def test_seed_demo_is_deterministic_for_a_seed(django_db_blocker):
    _seed(seed=11)
    first = list(Hall.objects.order_by("code").values_list("code", "name", "kind", "opened_on"))
    staff = list(Staff.objects.order_by("employee_no").values_list("employee_no", "name", "kind"))
    _demo_results_and_evidence_delete()  # they protect the halls and staff they belong to
    Staff.objects.all().delete()
    get_user_model().objects.filter(profile__hall__isnull=False).delete()
    Hall.objects.all().delete()
    _seed(seed=11)
    assert list(Hall.objects.order_by("code").values_list("code", "name", "kind", "opened_on")) == first
    assert list(Staff.objects.order_by("employee_no").values_list("employee_no", "name", "kind")) == staff


def test_each_demo_login_sees_its_own_scope():
    _seed(halls=60)
    users = {u.username: u for u in get_user_model().objects.all()}
    everything = Hall.objects.count()
    assert hall_list(user=users["hq"]).count() == everything
    district_halls = hall_list(user=users["district"])
    assert 0 < district_halls.count() < everything
    assert {h.district_id for h in district_halls} == set(
        users["district"].profile.districts.values_list("pk", flat=True)
    )
    assert list(hall_list(user=users["hall"])) == [users["hall"].profile.hall]
    # The city login covers every hall of 长安区's city, the district login's among them, and no other city.
    city_halls = set(hall_list(user=users["city"]))
    assert set(district_halls) < city_halls and len(city_halls) < everything
    assert {h.district.city_id for h in city_halls} == {users["district"].profile.districts.get().city_id}
    assert users["city"].profile.role == "city"
