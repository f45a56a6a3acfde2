"""Who sees which bonus figures: every page and the export against every role, then what each page shows."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from halls.jobs import BrokerUnavailable
from incentives.models import BonusPool, BonusSplit, SplitState
from incentives.services import bonus_split_approve, split_bonus
from tests.factories import StaffFactory
from tests.incentives.factories import (
    BonusPoolFactory,
    CoefficientTableFactory,
    ServiceVolumeFactory,
    StaffPointsFactory,
    published_month,
)

pytestmark = pytest.mark.django_db

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
ROLES = ["hq", "district_a", "district_b", "manager_a1", "manager_b1", "no_role", "anonymous"]


@dataclass
class BonusWorld:
    world: object
    approved: BonusSplit
    draft: BonusSplit
    staff: dict


@pytest.fixture
def bonus(world) -> BonusWorld:
    """The world's four halls, each alone in its marketing unit with a pool of ¥1,000.00, graded B in March
    (approved split) and April (draft split). Each hall has two staff with 60 and 40 points: ¥600.00 and ¥400.00."""
    CoefficientTableFactory()
    halls = [world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2]
    staff = {}
    for hall in halls:
        staff[hall.pk] = [
            StaffFactory(hall=hall, name=f"{hall.code}甲"),
            StaffFactory(hall=hall, name=f"{hall.code}乙"),
        ]
        for month in (MARCH, APRIL):
            ServiceVolumeFactory(hall=hall, month=month, front_desk=1000)
            BonusPoolFactory(marketing_unit=hall.marketing_unit, month=month, amount=Decimal("1000.00"))
            StaffPointsFactory(staff=staff[hall.pk][0], month=month, points=Decimal("60"))
            StaffPointsFactory(staff=staff[hall.pk][1], month=month, points=Decimal("40"))
    for month in (MARCH, APRIL):
        published_month(month, {hall: {"grade": "B"} for hall in halls})
    approved = bonus_split_approve(split_id=split_bonus(month=MARCH).pk)
    draft = split_bonus(month=APRIL)
    return BonusWorld(world=world, approved=approved, draft=draft, staff=staff)


def _client_as(client, bonus: BonusWorld, role: str):
    if role != "anonymous":
        client.force_login(getattr(bonus.world, role))
    return client


def _expect(response, expected: int):
    if expected == 302:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected


ONLY_HQ = {"hq": 200, "no_role": 403, "anonymous": 302, **dict.fromkeys(ROLES[1:5], 403)}
MANAGERS = {"hq": 200, "no_role": 403, "anonymous": 302, **dict.fromkeys(ROLES[1:5], 200)}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("pool_list", ONLY_HQ),
        ("split_list", MANAGERS),
        ("split_run", ONLY_HQ),
        ("approved_detail", MANAGERS),
        ("draft_detail", {**MANAGERS, **dict.fromkeys(ROLES[1:5], 404)}),
        ("approved_export", ONLY_HQ),
        ("draft_export", ONLY_HQ),
        ("approved_staff", ONLY_HQ),
        ("draft_staff", ONLY_HQ),
    ],
)
def test_each_bonus_page_answers_each_role(client, bonus, role, page, expected):
    urls = {
        "pool_list": reverse("incentives:pool_list"),
        "split_list": reverse("incentives:split_list"),
        "split_run": reverse("incentives:split_run"),
        "approved_detail": reverse("incentives:split_detail", args=[bonus.approved.pk]),
        "draft_detail": reverse("incentives:split_detail", args=[bonus.draft.pk]),
        "approved_export": reverse("incentives:split_export", args=[bonus.approved.pk]),
        "draft_export": reverse("incentives:split_export", args=[bonus.draft.pk]),
        "approved_staff": reverse("incentives:split_staff", args=[bonus.approved.pk]),
        "draft_staff": reverse("incentives:split_staff", args=[bonus.draft.pk]),
    }
    _expect(_client_as(client, bonus, role).get(urls[page]), expected[role])


@pytest.mark.parametrize(
    ("role", "hall", "expected", "staff_visible"),
    [
        ("hq", "hall_a1", 200, True),
        ("hq", "hall_b2", 200, True),
        ("district_a", "hall_a1", 200, False),
        ("district_a", "hall_a2", 200, False),
        ("district_a", "hall_b1", 404, None),
        ("district_b", "hall_b1", 200, False),
        ("district_b", "hall_a1", 404, None),
        ("manager_a1", "hall_a1", 200, True),
        ("manager_a1", "hall_a2", 404, None),
        ("manager_a1", "hall_b1", 404, None),
        ("manager_b1", "hall_b1", 200, True),
        ("manager_b1", "hall_a1", 404, None),
        ("no_role", "hall_a1", 403, None),
        ("anonymous", "hall_a1", 302, None),
    ],
)
def test_staff_amounts_are_seen_only_by_hq_and_that_halls_manager(client, bonus, role, hall, expected, staff_visible):
    hall = getattr(bonus.world, hall)
    response = _client_as(client, bonus, role).get(
        reverse("incentives:hall_bonus_detail", args=[bonus.approved.pk, hall.pk])
    )
    _expect(response, expected)
    if expected != 200:
        return
    page = response.content.decode()
    assert re.search(r"1,?000\.00", page)  # the hall's amount: its unit's whole pool
    names = [person.name for person in bonus.staff[hall.pk]]
    if staff_visible:
        assert all(name in page for name in names)
        assert "600.00" in page and "400.00" in page
        assert len(response.context["staff_bonuses"]) == 2
    else:
        assert not any(name in page for name in names)
        assert "600.00" not in page and "400.00" not in page
        assert not response.context["staff_bonuses"]


def test_a_draft_halls_page_is_hidden_from_managers(client, bonus):
    url = reverse("incentives:hall_bonus_detail", args=[bonus.draft.pk, bonus.world.hall_a1.pk])
    client.force_login(bonus.world.manager_a1)
    assert client.get(url).status_code == 404
    client.force_login(bonus.world.hq)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "halls"),
    [
        ("hq", {"hall_a1", "hall_a2", "hall_b1", "hall_b2"}),
        ("district_a", {"hall_a1", "hall_a2"}),
        ("district_b", {"hall_b1", "hall_b2"}),
        ("manager_a1", {"hall_a1"}),
    ],
)
def test_the_split_page_lists_the_halls_in_scope_and_units_only_for_hq(client, bonus, role, halls):
    client.force_login(getattr(bonus.world, role))
    response = client.get(reverse("incentives:split_detail", args=[bonus.approved.pk]))
    listed = {row.hall.code for row in response.context["halls"]}
    assert listed == {getattr(bonus.world, name).code for name in halls}
    assert bool(response.context["units"]) == (role == "hq")
    page = response.content.decode()
    for staff in bonus.staff.values():
        assert not any(person.name in page for person in staff)


def test_hq_sees_every_staff_amount_of_a_split(client, bonus, django_assert_max_num_queries):
    client.force_login(bonus.world.hq)
    with django_assert_max_num_queries(12):  # no query per row
        response = client.get(reverse("incentives:split_staff", args=[bonus.approved.pk]))
    rows = list(response.context["staff_bonuses"])
    assert len(rows) == 8
    assert sorted(row.amount for row in rows) == [Decimal("400.00")] * 4 + [Decimal("600.00")] * 4
    page = response.content.decode()
    assert all(person.name in page for staff in bonus.staff.values() for person in staff)


def test_the_split_page_makes_no_query_per_hall(client, bonus, django_assert_max_num_queries):
    client.force_login(bonus.world.hq)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("incentives:split_detail", args=[bonus.approved.pk]))
    assert len(response.context["halls"]) == 4


def test_managers_list_only_approved_splits(client, bonus):
    client.force_login(bonus.world.district_a)
    assert list(client.get(reverse("incentives:split_list")).context["splits"]) == [bonus.approved]
    client.force_login(bonus.world.hq)
    assert set(client.get(reverse("incentives:split_list")).context["splits"]) == {bonus.approved, bonus.draft}


@pytest.mark.parametrize("role", ["district_a", "manager_a1", "no_role"])
def test_only_hq_may_approve(client, bonus, role):
    client.force_login(getattr(bonus.world, role))
    response = client.post(reverse("incentives:split_approve", args=[bonus.draft.pk]))
    assert response.status_code == 403
    bonus.draft.refresh_from_db()
    assert bonus.draft.state == SplitState.DRAFT


def test_hq_approves_a_draft(client, bonus):
    client.force_login(bonus.world.hq)
    response = client.post(reverse("incentives:split_approve", args=[bonus.draft.pk]), follow=True)
    assert "已审批并冻结" in response.content.decode()
    bonus.draft.refresh_from_db()
    assert (bonus.draft.state, bonus.draft.approved_by) == (SplitState.APPROVED, bonus.world.hq)


def test_an_approval_the_service_refuses_is_shown_and_changes_nothing(client, bonus):
    BonusPool.objects.filter(month=APRIL).update(amount=Decimal("2000.00"))  # pools changed after the split
    client.force_login(bonus.world.hq)
    response = client.post(reverse("incentives:split_approve", args=[bonus.draft.pk]), follow=True)
    assert "酬金池已修改" in response.content.decode()
    bonus.draft.refresh_from_db()
    assert bonus.draft.state == SplitState.DRAFT


def test_the_hall_page_shows_the_latest_approved_amount(client, bonus):
    client.force_login(bonus.world.manager_a1)
    page = client.get(reverse("halls:detail", args=[bonus.world.hall_a1.pk])).content.decode()
    assert re.search(r"2026-03 服务酬金 ¥1,?000\.00", page)
    assert reverse("incentives:hall_bonus_detail", args=[bonus.approved.pk, bonus.world.hall_a1.pk]) in page


def test_the_navigation_links_the_bonus_for_every_role(client, bonus):
    for role in ("hq", "district_a", "manager_a1"):
        client.force_login(getattr(bonus.world, role))
        page = client.get(reverse("incentives:split_list")).content.decode()
        assert f'href="{reverse("incentives:split_list")}"' in page


def test_the_export_has_a_halls_sheet_and_a_staff_sheet_with_money_formatted(client, bonus):
    hall = bonus.world.hall_a1
    hall.name = '=HYPERLINK("http://evil")'
    hall.save()
    person = bonus.staff[hall.pk][0]
    person.name = "+SUM(A1)"
    person.save()
    client.force_login(bonus.world.hq)
    response = client.get(reverse("incentives:split_export", args=[bonus.approved.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "bonus-2026-03-r1.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["营销单元", "营业厅", "营业员", "说明"]
    units = [row[0] for row in book["营销单元"].iter_rows(min_row=2, values_only=True)]
    assert bonus.world.hall_a1.marketing_unit.code in units
    halls, staff = book["营业厅"], book["营业员"]
    assert halls.max_row == 5 and staff.max_row == 9  # header + 4 halls; header + 8 staff
    hall_row = next(row for row in halls.iter_rows(min_row=2) if row[1].value == hall.code)
    assert hall_row[2].value == '\'=HYPERLINK("http://evil")'
    assert hall_row[10].value == 1000 and hall_row[10].number_format == "#,##0.00"
    staff_row = next(row for row in staff.iter_rows(min_row=2) if row[2].value == person.employee_no)
    assert staff_row[3].value == "'+SUM(A1)"
    assert staff_row[6].value == 600 and staff_row[6].number_format == "#,##0.00"
    assert sum(row[6].value for row in staff.iter_rows(min_row=2)) == 4000


def test_hq_sets_a_pool_and_bad_input_saves_nothing(client, bonus):
    client.force_login(bonus.world.hq)
    unit = bonus.world.hall_a1.marketing_unit
    url = reverse("incentives:pool_list")
    response = client.post(url, {"marketing_unit": unit.pk, "month": "2026-05", "amount": "12345.60"})
    assert response.status_code == 302
    assert BonusPool.objects.get(marketing_unit=unit, month=dt.date(2026, 5, 1)).amount == Decimal("12345.60")

    response = client.post(url, {"marketing_unit": unit.pk, "month": "2026-06", "amount": "-5"})
    assert "amount" in response.context["form"].errors
    response = client.post(url, {"marketing_unit": unit.pk, "month": "2026/06", "amount": "5"})
    assert "month" in response.context["form"].errors
    assert not BonusPool.objects.filter(month=dt.date(2026, 6, 1)).exists()


def test_the_pools_page_links_to_the_pools_import(client, world):
    client.force_login(world.hq)
    page = client.get(reverse("incentives:pool_list")).content.decode()
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>导入酬金池</a>', page)
    assert link and link.group(1) == reverse("surveys:import_list") + "?kind=bonus_pools"


def test_a_frozen_months_pool_is_refused_beside_the_month(client, bonus):
    client.force_login(bonus.world.hq)
    unit = bonus.world.hall_a1.marketing_unit
    response = client.post(
        reverse("incentives:pool_list"), {"marketing_unit": unit.pk, "month": "2026-03", "amount": "1.00"}
    )
    assert "已审批" in response.context["form"].errors["month"][0]
    assert BonusPool.objects.get(marketing_unit=unit, month=MARCH).amount == Decimal("1000.00")


def test_hq_starts_a_split_as_a_job(client, bonus, django_capture_on_commit_callbacks):
    client.force_login(bonus.world.hq)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = client.post(reverse("incentives:split_run"), {"month": "2026-04", "reason": ""}, follow=True)
    assert len(sent) == 1
    assert "酬金分配已提交" in response.content.decode()
    assert BonusSplit.objects.get(month=APRIL, state=SplitState.DRAFT).revision == 2


def test_a_split_of_an_unpublished_month_is_refused_beside_the_month(client, bonus):
    client.force_login(bonus.world.hq)
    response = client.post(reverse("incentives:split_run"), {"month": "2026-05"})
    assert "尚未发布" in response.context["form"].errors["month"][0]


def test_re_splitting_an_approved_month_asks_for_a_reason_beside_its_field(client, bonus):
    from scoring.models import GradingRun, RunState

    client.force_login(bonus.world.hq)
    response = client.post(reverse("incentives:split_run"), {"month": "2026-03"})
    assert "已审批冻结" in response.context["form"].errors["month"][0]
    GradingRun.objects.filter(month=MARCH).update(state=RunState.SUPERSEDED)
    published_month(MARCH, {bonus.world.hall_a1: {"grade": "A"}}, revision=2)
    response = client.post(reverse("incentives:split_run"), {"month": "2026-03", "reason": ""})
    assert "必须填写原因" in response.context["form"].errors["reason"][0]
    assert BonusSplit.objects.filter(month=MARCH).count() == 1


def test_a_broker_outage_is_reported_and_starts_nothing(client, bonus, monkeypatch):
    def broker_down(*args, **kwargs):
        raise BrokerUnavailable()

    monkeypatch.setattr("incentives.services.enqueue", broker_down)
    client.force_login(bonus.world.hq)
    response = client.post(reverse("incentives:split_run"), {"month": "2026-04"})
    assert response.status_code == 200
    assert "任务队列暂时不可用" in response.content.decode()
    assert BonusSplit.objects.filter(month=APRIL).count() == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_money_in_the_split_list_and_page_reads_in_yuan_with_thousands_grouped(client, bonus, language):
    # Four units of ¥1,000.00 each: the split's pool total is ¥4,000.00.
    client.force_login(bonus.world.hq)
    client.cookies["django_language"] = language
    listing = client.get(reverse("incentives:split_list")).content.decode()
    assert "¥4,000.00" in listing
    page = client.get(reverse("incentives:split_detail", args=[bonus.approved.pk])).content.decode()
    assert "¥4,000.00" in page and "¥1,000.00" in page
    assert ">4000.00<" not in page and ">1000.00<" not in page
