"""The complaint care list (投诉客户关怀): a case for each complaining customer who left a number, the number
masked for everyone but the caller (the manager of the complaint's hall), each showing recorded, and the
call's outcome recorded with who called and when."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from halls.demo import demo_org_build
from inspections.services.tree import default_tree_load
from surveys.demo import demo_evidence_seed
from surveys.models import CareState, Complaint, ComplaintCare, ComplaintPhoneView, ImportKind, ImportState
from tests.surveys.conftest import run_import  # noqa: F401  (the import-running fixture)
from tests.surveys.factories import ComplaintFactory
from tests.surveys.files import xlsx_bytes

PHONE = "13912345678"


@pytest.fixture
def care(world):
    complaint = ComplaintFactory(hall=world.hall_a1, customer_phone=PHONE)
    return ComplaintCare.objects.create(complaint=complaint, hall=world.hall_a1)


def test_the_import_opens_a_care_case_for_each_customer_who_left_a_number(world, run_import):  # noqa: F811
    rows = [
        ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实", "客户手机号"],
        ["T1", world.hall_a1.code, "2026-03-31 23:30", "服务态度", "10086", "是", PHONE],
        ["T2", world.hall_a2.code, "2026-03-30 10:00", "等候时间", "10086", "否", ""],
    ]
    batch = run_import(ImportKind.COMPLAINTS, "c.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    assert Complaint.objects.get(external_id="T1").customer_phone == PHONE
    assert list(ComplaintCare.objects.values_list("complaint__external_id", "hall_id", "state")) == [
        ("T1", world.hall_a1.pk, CareState.OPEN)
    ]


def test_the_list_masks_the_number_even_for_hq_and_counts_the_showings(client, world, care):
    ComplaintPhoneView.objects.create(care=care, user=world.manager_a1)
    for user in (world.hq, world.district_a, world.manager_a1):
        client.force_login(user)
        page = client.get(reverse("surveys:care_list")).content.decode()
        assert "139****5678" in page and PHONE not in page
        assert '<td class="text-end">1</td>' in page  # shown once
    client.force_login(world.district_b)
    assert "139****5678" not in client.get(reverse("surveys:care_list")).content.decode()


def test_the_caller_sees_the_full_number_on_asking_and_each_showing_is_recorded(client, world, care):
    client.force_login(world.manager_a1)
    url = reverse("surveys:care_update", args=[care.pk])
    assert PHONE not in client.get(url).content.decode()
    assert ComplaintPhoneView.objects.count() == 0
    page = client.post(url, {"reveal": "1"}).content.decode()
    assert f'<span id="care-phone">{PHONE}</span>' in page
    client.post(url, {"reveal": "1"})
    assert list(ComplaintPhoneView.objects.values_list("care_id", "user_id")) == [(care.pk, world.manager_a1.pk)] * 2


def test_no_one_else_can_ask_for_the_number(client, world, care):
    other = world.manager_b1
    client.force_login(other)
    assert client.post(reverse("surveys:care_update", args=[care.pk]), {"reveal": "1"}).status_code == 404
    client.force_login(world.hq)
    assert client.post(reverse("surveys:care_update", args=[care.pk]), {"reveal": "1"}).status_code == 403
    assert ComplaintPhoneView.objects.count() == 0


def test_the_outcome_is_recorded_with_the_caller_and_an_outcome_is_required(client, world, care):
    client.force_login(world.manager_a1)
    url = reverse("surveys:care_update", args=[care.pk])
    response = client.post(url, {"state": CareState.SATISFIED, "outcome": ""})
    assert response.status_code == 400 and "请填写回访情况" in response.content.decode()
    response = client.post(url, {"state": CareState.SATISFIED, "outcome": "已致歉，客户接受"})
    assert response.status_code == 302
    care.refresh_from_db()
    assert (care.state, care.outcome, care.caller, care.called_at is not None) == (
        CareState.SATISFIED,
        "已致歉，客户接受",
        world.manager_a1,
        True,
    )


def test_the_demo_puts_each_complaining_customer_on_the_care_list(db):
    today = dt.date(2026, 11, 23)
    default_tree_load()
    org = demo_org_build(hall_count=6, seed=3, today=today)
    demo_evidence_seed(halls=org.halls, months=2, seed=3, today=today)
    complaints = Complaint.objects.all()
    assert complaints.exists() and not complaints.filter(customer_phone="").exists()
    assert ComplaintCare.objects.count() == complaints.count()
