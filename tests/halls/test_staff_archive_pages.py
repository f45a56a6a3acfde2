"""The staff archive, the staff ranking and the bottom-ranked list as pages, on the drawn province of
tests/halls/staff_world.py (March 2026, not yet published unless a test publishes it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.factories import hall_manager, hq_user
from tests.halls.staff_world import MARCH, staff_world_build
from tests.inspections.factories import month_publish


@pytest.fixture
def world(db, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 20, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    return staff_world_build()


def text_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_district_manager_reads_his_clerks_archive_with_scores_ranks_and_findings(client, world):
    client.force_login(world.inspector_h1)
    page = text_of(client.get(reverse("halls:staff_detail", args=[world.staff["a"].pk])))
    # a: 100 − 5 = 95, 1 finding, 50 points, 2nd of 3 in H1, 5th of 6 in the unit.
    assert "95.00" in page and "2 / 3" in page and "5 / 6" in page
    assert "A1.1" in page and "2026-03" in page
    # Amounts are for HQ and the hall's manager only.
    assert "营业员酬金仅总部和本厅店长可见" in page


def test_another_halls_manager_cannot_open_a_clerks_archive(client, world):
    client.force_login(hall_manager(world.h2))
    assert client.get(reverse("halls:staff_detail", args=[world.staff["a"].pk])).status_code == 404


def test_a_hall_manager_sees_his_clerks_months_once_published(client, world):
    manager = hall_manager(world.h1)
    client.force_login(manager)
    url = reverse("halls:staff_detail", args=[world.staff["c"].pk])
    assert "暂无可显示的月份" in text_of(client.get(url))
    month_publish(MARCH)
    page = text_of(client.get(url))
    # c: 100 − 20 (veto) = 80, last of the unit's six: on the bottom-ranked list.
    assert "80.00" in page and "6 / 6" in page and "末位" in page and "与客户争吵" in page


def test_a_star_month_is_counted_in_the_year(client, world):
    client.force_login(hq_user())
    page = text_of(client.get(reverse("halls:staff_detail", args=[world.staff["e"].pk])))
    # e tops the unit (101) with no finding and 10 service points: March earns a star. January and February,
    # with no finding and no service points recorded, leave the whole unit tied at the top: no star then.
    assert "2026 年服务之星：1 次" in page


def test_the_unit_ranking_lists_only_the_readers_halls_with_unit_places(client, world):
    client.force_login(world.inspector_h2)
    page = text_of(client.get(reverse("halls:staff_ranking"), {"month": "2026-03", "unit": world.h1.marketing_unit_id}))
    assert "营业员e" in page and "营业员f" in page and "营业员d" in page
    assert "营业员a" not in page and "营业员c" not in page
    assert page.index("营业员e") < page.index("营业员f") < page.index("营业员d")


def test_the_bottom_list_states_the_policys_share_and_lists_the_bottom_clerks(client, world):
    client.force_login(hq_user())
    page = text_of(client.get(reverse("halls:staff_bottom"), {"month": "2026-03"}))
    assert "最后 10% 的营业员" in page
    assert "营业员c" in page and "营业员a" not in page
    world.policy.__class__.objects.filter(pk=world.policy.pk).update(staff_bottom_share=Decimal("34"))
    page = text_of(client.get(reverse("halls:staff_bottom"), {"month": "2026-03"}))
    assert "最后 34% 的营业员" in page and "营业员a" in page


def test_the_entry_page_offers_the_halls_clerks_on_duty_to_name(client, world):
    from inspections.services.entry import inspection_start
    from tests.inspections.factories import at

    draft = inspection_start(user=world.inspector_h1, hall=world.h1, kind="overt", inspected_at=at("2026-03-15 9:00"))
    client.force_login(world.inspector_h1)
    page = text_of(client.get(reverse("inspections:edit", args=[draft.pk])))
    assert "营业员a" in page and "营业员c" in page
    # g left in February, d works in another hall.
    assert "营业员g" not in page and "营业员d" not in page


@pytest.fixture
def march_split(world):
    """March published with H1 graded A (900 front-desk transactions) and unit U1's pool of 1,500.00 split and
    approved. H1's clerks have 50 + 40 + 60 = 150 service points."""
    from django.utils import timezone

    from incentives.models import BonusSplit, SplitState
    from incentives.services import bonus_pool_set, coefficients_default_load, split_bonus
    from surveys.models import ServiceVolume
    from tests.incentives.factories import published_month

    published_month(MARCH, {world.h1: {"grade": "A"}})
    ServiceVolume.objects.create(hall=world.h1, month=MARCH, front_desk=900)
    coefficients_default_load()
    bonus_pool_set(unit=world.h1.marketing_unit, month=MARCH, amount=Decimal("1500.00"))
    split = split_bonus(month=MARCH)
    BonusSplit.objects.filter(pk=split.pk).update(state=SplitState.APPROVED, approved_at=timezone.now())
    return split


def test_the_hall_manager_sees_his_clerks_bonus_share_and_the_district_manager_does_not(client, world, march_split):
    url = reverse("halls:staff_detail", args=[world.staff["a"].pk])
    client.force_login(hall_manager(world.h1))
    page = text_of(client.get(url))
    # H1 is the unit's only hall with a weight: it takes the 1,500.00; a's 50 of 150 points: 500.00, 33 %.
    assert "500.00" in page and "33%" in page
    client.force_login(world.inspector_h1)
    page = text_of(client.get(url))
    assert "500.00" not in page and "营业员酬金仅总部和本厅店长可见" in page


def test_months_without_service_points_or_findings_are_left_out_of_the_archive(client, world):
    client.force_login(hq_user())
    page = text_of(client.get(reverse("halls:staff_detail", args=[world.staff["a"].pk])))
    # March has a's finding and points; February and before have nothing recorded for him.
    assert "2026-03" in page and "2026-02" not in page
