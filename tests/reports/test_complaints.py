"""Complaint analysis (投诉分析): breakdowns, the rate per 10,000 transactions, the trend and the drill-down,
against a hand-computed small case.

The province (the ``world`` of tests/conftest.py): one city; district A (a1, a2), district B (b1, b2).
March 2026:

    hall  complaints (category / channel / substantiated)                 volume (front + assisted + terminal)
    a1    服务态度/10086/yes, 服务态度/10086/no, 业务差错/网上/yes          10000 + 4000 + 6000 = 20000
    a2    服务态度/微信/no                                                  10000
    b1    业务差错/10086/no                                                 15000
    b2    —                                                                 5000

February: a1 one complaint, volume 10000.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from halls.selectors import scope_for
from scoring.selectors.complaints import ComplaintFilter, complaint_analysis, complaint_drilldown
from surveys.models import ServiceVolume
from tests.surveys.factories import ComplaintFactory

FEB, MARCH = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture
def complaints(world):
    for hall, category, channel, substantiated in [
        (world.hall_a1, "服务态度", "10086", True),
        (world.hall_a1, "服务态度", "10086", False),
        (world.hall_a1, "业务差错", "网上", True),
        (world.hall_a2, "服务态度", "微信", False),
        (world.hall_b1, "业务差错", "10086", False),
    ]:
        ComplaintFactory(hall=hall, month=MARCH, category=category, channel=channel, substantiated=substantiated)
    ComplaintFactory(hall=world.hall_a1, month=FEB)
    ServiceVolume.objects.create(
        hall=world.hall_a1, month=MARCH, front_desk=10000, assisted_self_service=4000, self_service_terminal=6000
    )
    ServiceVolume.objects.create(hall=world.hall_a2, month=MARCH, front_desk=10000)
    ServiceVolume.objects.create(hall=world.hall_b1, month=MARCH, front_desk=15000)
    ServiceVolume.objects.create(hall=world.hall_b2, month=MARCH, front_desk=5000)
    ServiceVolume.objects.create(hall=world.hall_a1, month=FEB, front_desk=10000)
    return world


def test_the_province_figures_and_breakdowns(complaints):
    a = complaint_analysis(scope=scope_for(complaints.hq), criteria=ComplaintFilter(month=MARCH))
    # 5 complaints over 20000 + 10000 + 15000 + 5000 = 50000 transactions: 5 / 50000 × 10000 = 1.0
    assert (a.total, a.substantiated, a.transactions, a.rate) == (5, 2, 50000, 1.0)
    # 服务态度 3 (60 %, 3 / 50000 × 10000 = 0.6), 业务差错 2 (40 %, 0.4)
    assert [(r["category"], r["count"], r["substantiated"], r["share"], r["rate"]) for r in a.by_category] == [
        ("服务态度", 3, 1, 60.0, 0.6),
        ("业务差错", 2, 1, 40.0, 0.4),
    ]
    assert [(r["channel"], r["count"], r["share"], r["rate"]) for r in a.by_channel] == [
        ("10086", 3, 60.0, 0.6),
        ("微信", 1, 20.0, 0.2),
        ("网上", 1, 20.0, 0.2),
    ]
    # A: 4 / 30000 × 10000 = 1.33; B: 1 / 20000 × 10000 = 0.5
    assert [(r["name"], r["count"], r["transactions"], r["rate"]) for r in a.by_district] == [
        (complaints.hall_a1.district.name, 4, 30000, 1.33),
        (complaints.hall_b1.district.name, 1, 20000, 0.5),
    ]
    assert [(r["count"], r["rate"]) for r in a.by_city] == [(5, 1.0)]


def test_the_trend_has_twelve_months_with_counts_and_rates(complaints):
    a = complaint_analysis(scope=scope_for(complaints.hq), criteria=ComplaintFilter(month=MARCH))
    assert len(a.trend["months"]) == 12 and a.trend["months"][-2:] == ["2026-02", "2026-03"]
    # February 1 / 10000 × 10000 = 1.0; March 1.0; no volume before: no rate
    assert a.trend["counts"][-2:] == [1, 5] and a.trend["rates"][-3:] == [None, 1.0, 1.0]


def test_a_district_manager_sees_his_district_only(complaints):
    a = complaint_analysis(scope=scope_for(complaints.district_b), criteria=ComplaintFilter(month=MARCH))
    # b1's one complaint over b1 + b2 = 20000: 0.5
    assert (a.total, a.transactions, a.rate) == (1, 20000, 0.5)


def test_the_drill_down_lists_the_complaints_behind_a_figure(complaints):
    hq = scope_for(complaints.hq)
    found = complaint_drilldown(scope=hq, criteria=ComplaintFilter(month=MARCH, category="业务差错"))
    assert sorted(c.hall_id for c in found) == sorted([complaints.hall_a1.pk, complaints.hall_b1.pk])
    in_a = ComplaintFilter(month=MARCH, district_id=complaints.hall_a1.district_id, channel="10086")
    assert [c.hall_id for c in complaint_drilldown(scope=hq, criteria=in_a)] == [complaints.hall_a1.pk] * 2


def test_the_page_filters_and_drills_down_within_scope(client, complaints):
    client.force_login(complaints.district_a)
    url = reverse("scoring:complaint_analysis")
    page = client.get(url, {"month": "2026-03", "category": "服务态度"}).content.decode()
    assert '<div class="kpi" id="complaints-total">4</div>' in page  # a1 3 + a2 1
    assert page.split('id="complaint-list"')[1].count("<tr><td>") == 3  # a1's two and a2's one 服务态度
    # Another district's id is not a choice: the form says so and the figures stay his.
    page = client.get(url, {"month": "2026-03", "district": complaints.hall_b1.district_id}).content.decode()
    assert '<div class="kpi" id="complaints-total">4</div>' in page
