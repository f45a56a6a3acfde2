"""The district manager's home: his halls this month, inspections due (exempt halls excluded),
rectifications to verify and overdue ones; and the bulk status read that agrees with hall_status_in."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from inspections.models import InspectionKind, RectificationState
from scoring.selectors import hall_status_in
from scoring.selectors.reports import hall_statuses_in
from tests.reports.factories import JULY, JUNE, inspection_submit, rectification

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC))
def test_district_home_lists_his_halls_due_inspections_and_rectifications(client, world, gradings):
    # a2 lost points in June: one item fixed and waiting for verification, one overdue since 10 July.
    june = inspection_submit(hall=world.hall_a2, month=JUNE, points={"S1.1": 10, "Q1.2": 5})
    rectification(inspection=june, code="S1.1", state=RectificationState.FIXED, due=dt.date(2026, 7, 20))
    rectification(inspection=june, code="Q1.2", due=dt.date(2026, 7, 10))
    other = inspection_submit(hall=world.hall_b1, month=JUNE, points={"S1.1": 10})
    rectification(inspection=other, code="S1.1", state=RectificationState.FIXED, due=dt.date(2026, 7, 1))
    # A mystery visit and a remote check of a2 this month do not count as the overt inspection it is due.
    inspection_submit(hall=world.hall_a2, month=JULY, kind=InspectionKind.MYSTERY, vendor="暗访甲")
    inspection_submit(hall=world.hall_a2, month=JULY, kind=InspectionKind.REMOTE)

    client.force_login(world.district_a)
    response = client.get(reverse("scoring:district_home"))
    assert response.status_code == 200
    home = response.context["home"]
    assert [row["hall"] for row in home.rows] == [world.hall_a1, world.hall_a2]
    # a1 is exempt in July (June's published grading), so only a2 is due.
    assert [row["status"] for row in home.rows] == ["exempt", "normal"]
    assert [row["hall"] for row in home.inspections_due] == [world.hall_a2]
    assert [r.indicator.code for r in home.to_verify] == ["S1.1"] and home.to_verify[0].hall == world.hall_a2
    assert [r.indicator.code for r in home.overdue] == ["Q1.2"]
    assert home.rows[1]["open_rectifications"] == 1
    # District managers see the July draft under review.
    assert home.result_month == JULY and home.result_is_draft
    assert 'id="kpi-due">1<' in response.content.decode()


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC))
def test_a_hall_inspected_this_month_is_no_longer_due(client, world, gradings):
    inspection_submit(hall=world.hall_a2, month=JULY)
    client.force_login(world.district_a)
    assert client.get(reverse("scoring:district_home")).context["home"].inspections_due == []


def test_bulk_statuses_agree_with_hall_status_in(world, gradings):
    hall_ids = [h.pk for h in (world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2)]
    for month in (JUNE, JULY, dt.date(2026, 8, 1)):
        bulk = hall_statuses_in(hall_ids=hall_ids, month=month)
        assert bulk == {pk: hall_status_in(hall_id=pk, month=month) for pk in hall_ids}
    # June's published grading sets July; the July draft sets nothing for August.
    assert hall_statuses_in(hall_ids=hall_ids, month=JULY)[world.hall_b2.pk] == "monitored"
    assert set(hall_statuses_in(hall_ids=hall_ids, month=dt.date(2026, 8, 1)).values()) == {"normal"}


@time_machine.travel(dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC))
def test_overdue_count_counts_every_overdue_rectification_not_the_fifty_listed(client, world, gradings):
    # 11 June inspections of a2 lose points on all 5 items: 55 rectifications, all overdue since 10 July.
    for _ in range(11):
        june = inspection_submit(
            hall=world.hall_a2, month=JUNE, points={"S1.1": 1, "S1.2": 1, "S2.1": 1, "Q1.1": 1, "Q1.2": 1}
        )
        for code in ("S1.1", "S1.2", "S2.1", "Q1.1", "Q1.2"):
            rectification(inspection=june, code=code, due=dt.date(2026, 7, 10))

    client.force_login(world.district_a)
    response = client.get(reverse("scoring:district_home"))
    home = response.context["home"]
    html = response.content.decode()
    assert len(home.overdue) == 50 and home.overdue_count == 55
    full_list = reverse("inspections:rectification_list") + "?overdue=1"
    assert f'id="kpi-overdue"><a class="link-danger" href="{full_list}">55<' in html
    assert f'id="overdue-all" href="{full_list}"' in html
    # The full list the link opens holds all 55.
    assert client.get(full_list).context["paginator"].count == 55
