"""The hall's version (halls.HallVersion), raised by database triggers whenever a row that the hall's archive page
shows is written: through the ORM, ``queryset.update()``, ``bulk_create`` or raw SQL alike, on PostgreSQL and on
SQLite (run this file with DATABASE_URL pointing at each)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from halls.models import CityCompany, DistrictCompany, Hall, HallVersion, Staff
from halls.selectors import hall_get, organisation_version
from incentives.models import BonusSplit, SplitState
from inspections.models import CoachingVisit, Inspection, Rectification
from surveys.models import Complaint, ComplaintCare, RepairCase
from tests.factories import CityFactory, DistrictFactory, HallFactory, StaffFactory
from tests.incentives.factories import hall_bonus_split
from tests.reports.factories import JUNE, grading_run, inspection_submit, rectification, repair_case

pytestmark = pytest.mark.django_db

TRIGGERED = {
    "halls_hall": {"UPDATE", "FORGET"},
    "halls_staff": {"INSERT", "UPDATE", "DELETE"},
    "inspections_inspection": {"INSERT", "UPDATE", "DELETE"},
    "inspections_rectification": {"INSERT", "UPDATE", "DELETE"},
    "inspections_coachingvisit": {"INSERT", "UPDATE", "DELETE"},
    "inspections_appeal": {"INSERT", "UPDATE", "DELETE"},
    "surveys_repaircase": {"INSERT", "UPDATE", "DELETE"},
    "surveys_complaint": {"INSERT", "UPDATE", "DELETE"},
    "surveys_complaintcare": {"INSERT", "UPDATE", "DELETE"},
    "incentives_hallbonus": {"INSERT", "UPDATE", "DELETE"},
    "incentives_bonussplit": {"UPDATE"},
}


def version(hall: Hall) -> int:
    return HallVersion.objects.filter(hall=hall).values_list("version", flat=True).first() or 0


def _triggers() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE '%%_hallversion_%%'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_hallversion_%'"
            )
        found: dict[str, set[str]] = {}
        for table, name in cursor.fetchall():
            found.setdefault(table, set()).add(name.rsplit("_", 1)[1].upper())
    return found


def test_every_table_the_archive_shows_has_its_triggers_on_this_database():
    assert connection.vendor in {"postgresql", "sqlite"}
    assert _triggers() == TRIGGERED


def test_a_hall_without_writes_is_at_version_zero_and_hall_get_reads_it(world):
    hall = hall_get(user=world.hq, pk=world.hall_a1.pk, with_version=True)
    assert hall.page_version == 0
    StaffFactory(hall=world.hall_a1)
    assert hall_get(user=world.hq, pk=world.hall_a1.pk, with_version=True).page_version == version(world.hall_a1) > 0


def test_staff_inserted_updated_through_a_queryset_and_deleted_raise_their_hall_only(world):
    clerk = StaffFactory(hall=world.hall_a1)
    after_insert = version(world.hall_a1)
    assert after_insert > 0 and version(world.hall_a2) == 0
    Staff.objects.filter(pk=clerk.pk).update(name="改名")  # bypasses save(), auto_now and history
    after_update = version(world.hall_a1)
    assert after_update > after_insert
    Staff.objects.filter(pk=clerk.pk).delete()
    assert version(world.hall_a1) > after_update
    assert version(world.hall_a2) == 0


def test_a_clerk_moved_to_another_hall_raises_both(world):
    clerk = StaffFactory(hall=world.hall_a1)
    before = version(world.hall_a1)
    Staff.objects.filter(pk=clerk.pk).update(hall=world.hall_a2)
    assert version(world.hall_a1) > before and version(world.hall_a2) > 0


def test_a_bulk_insert_over_many_halls_raises_each_of_them(world):
    StaffFactory.create_batch(3, hall=world.hall_a1)
    Staff.objects.bulk_create(
        [
            Staff(hall=hall, employee_no=f"B{n}-{hall.pk}", name="批量", kind="employee", active_from=JUNE)
            for hall in (world.hall_b1, world.hall_b2)
            for n in range(50)
        ]
    )
    assert version(world.hall_b1) > 0 and version(world.hall_b2) > 0
    if connection.vendor == "postgresql":  # one statement trigger: each hall once, whatever its row count
        assert version(world.hall_b1) == version(world.hall_b2) == 1


def test_a_hall_deleted_after_its_rows_takes_its_version_row_along(world):
    """A flush (SQLite deletes table by table, in no set order) may empty the version table, then delete a
    hall's staff, whose triggers write the hall's version row again, then the hall: the hall's own delete
    trigger removes the row, and the foreign keys hold at commit."""
    hall = HallFactory(district=world.hall_a1.district)
    StaffFactory.create_batch(2, hall=hall)
    HallVersion.objects.filter(hall=hall).delete()
    Staff.objects.filter(hall=hall).delete()
    assert version(hall) > 0  # written again by the staff's delete trigger
    hall_id = hall.pk
    Hall.objects.filter(pk=hall_id).delete()
    assert not HallVersion.objects.filter(hall_id=hall_id).exists()
    connection.check_constraints()  # the deferred keys, as a commit checks them


def test_raw_sql_updates_raise_the_version_too(world):
    clerk = StaffFactory(hall=world.hall_a1)
    before = version(world.hall_a1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE halls_staff SET name = %s WHERE id = %s", ["原始", clerk.pk])
    assert version(world.hall_a1) > before


def test_the_hall_row_itself_raises_its_version(world):
    Hall.objects.filter(pk=world.hall_a1.pk).update(address="新地址 1 号")
    assert version(world.hall_a1) > 0 and version(world.hall_a2) == 0


def test_inspections_rectifications_and_coaching_raise_their_hall(world):
    inspection = inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.2": 4})
    v1 = version(world.hall_a1)
    assert v1 > 0
    item = rectification(inspection=inspection, code="S1.2", due=JUNE.replace(day=20))
    v2 = version(world.hall_a1)
    assert v2 > v1
    Rectification.objects.filter(pk=item.pk).update(state="fixed")
    v3 = version(world.hall_a1)
    assert v3 > v2
    Inspection.objects.filter(pk=inspection.pk).update(score=Decimal("99.00"))
    v4 = version(world.hall_a1)
    assert v4 > v3
    CoachingVisit.objects.create(
        hall=world.hall_a1, kind="report", week_start=JUNE, visit_date=JUNE, content="辅导", author=world.hq
    )
    assert version(world.hall_a1) > v4
    assert version(world.hall_b1) == 0


def test_repair_cases_complaints_and_callbacks_raise_their_hall(world):
    case = repair_case(hall=world.hall_a1)
    v1 = version(world.hall_a1)
    assert v1 > 0
    RepairCase.objects.filter(pk=case.pk).update(follow_up="已致电")
    v2 = version(world.hall_a1)
    assert v2 > v1
    complaint = Complaint.objects.create(
        external_id="C1", hall=world.hall_a1, received_at=timezone.now(), month=JUNE, category="服务", channel="10000"
    )
    v3 = version(world.hall_a1)
    assert v3 > v2
    care = ComplaintCare.objects.create(complaint=complaint, hall=world.hall_a1)
    v4 = version(world.hall_a1)
    assert v4 > v3
    ComplaintCare.objects.filter(pk=care.pk).update(
        state="satisfied", caller=world.manager_a1, called_at=timezone.now(), outcome="认可"
    )
    assert version(world.hall_a1) > v4
    assert version(world.hall_b1) == 0


def test_a_split_approved_through_a_queryset_raises_every_hall_of_the_split_and_no_other(world):
    split = hall_bonus_split(world.hall_a1, world.hall_a2, run=grading_run(JUNE))
    before = {hall.pk: version(hall) for hall in (world.hall_a1, world.hall_a2, world.hall_b1)}
    assert before[world.hall_b1.pk] == 0
    BonusSplit.objects.filter(pk=split.pk).update(reason="备注")  # neither its state nor its month: nothing shown
    assert version(world.hall_a1) == before[world.hall_a1.pk]
    BonusSplit.objects.filter(pk=split.pk).update(state=SplitState.APPROVED, approved_at=timezone.now())
    assert version(world.hall_a1) > before[world.hall_a1.pk]
    assert version(world.hall_a2) > before[world.hall_a2.pk]
    assert version(world.hall_b1) == 0


def _organisation_triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE '%%_orgversion%%'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_orgversion%'"
            )
        return set(cursor.fetchall())


def test_the_city_and_district_tables_have_their_organisation_triggers_on_this_database():
    tables = {table for table, _name in _organisation_triggers()}
    assert tables == {"halls_citycompany", "halls_districtcompany"}


def test_every_write_to_a_city_or_district_raises_the_organisation_version_by_any_path(world):
    district = world.hall_a1.district
    seen = [organisation_version()]

    def raised() -> bool:
        seen.append(organisation_version())
        return seen[-1] > seen[-2]

    DistrictCompany.objects.filter(pk=district.pk).update(name="新区名")  # bypasses save()
    assert raised()
    city = CityFactory()
    assert raised()
    CityCompany.objects.filter(pk=city.pk).update(name="新市名")
    assert raised()
    other = DistrictFactory(city=city)
    assert raised()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE halls_districtcompany SET code = code || 'x' WHERE id = %s", [other.pk])
    assert raised()
    DistrictCompany.objects.filter(pk=other.pk).delete()
    assert raised()
    Staff.objects.filter(hall=world.hall_a1).update(name="无关")  # not the organisation
    seen.append(organisation_version())
    assert seen[-1] == seen[-2]
