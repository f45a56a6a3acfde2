"""A re-imported hall file that moves a hall to another district and closes another: the next grading and
bonus split respect both, the months before are unchanged, the closed hall's archive stays readable, and
the hall's history shows who changed what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from halls.bootstrap import bootstrap_steps
from halls.models import DistrictCompany, Hall
from halls.months import month_start
from halls.selectors import hall_history
from incentives.models import HallBonus
from incentives.services import split_bonus
from scoring.models import HallMonthResult
from scoring.services import grade_month, month_publish
from surveys.models import ImportKind, ImportState
from tests.factories import district_manager, hall_manager
from tests.halls.conftest import HALL_ROWS, ORG_ROWS
from tests.incentives.factories import BonusPoolFactory, ServiceVolumeFactory
from tests.scoring.factories import response_add

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
MOVED, CLOSED, STAYS = "SJZ-01-002", "SJZ-02-001", "SJZ-01-001"
RESULT_COLUMNS = ["hall__code", "graded", "composite", "grade", "rank_city", "rank_district", "rank_kind", "status"]


def _changed_hall_rows(*, closing: str) -> list[list]:
    """The hall file again: SJZ-01-002 moves from 长安区 (SJZ-01) to 桥西区 (SJZ-02), SJZ-02-001 closes."""
    rows = [list(row) for row in HALL_ROWS]
    for row in rows:
        if row[0] == MOVED:
            row[3] = "SJZ-02"
        if row[0] == CLOSED:
            row[8] = closing
    return rows


def _results(month: dt.date) -> dict[str, tuple]:
    rows = HallMonthResult.objects.filter(month=month, run__state="published").values_list(*RESULT_COLUMNS)
    return {row[0]: row[1:] for row in rows}


@pytest.fixture
def province(importer):
    """The four halls of the files, graded and published for September on satisfaction alone:

    SJZ  ├── 长安区 SJZ-01: SJZ-01-001 (s 90), SJZ-01-002 (s 80)
         └── 桥西区 SJZ-02: SJZ-02-001 (s 70)
    BD   └── 竞秀区 BD-01:  BD-01-001 (s 85)
    October has the same evidence. Every hall is in a unit with a pool of ¥1,000 and 100 transactions.
    """
    for step in bootstrap_steps():
        step.load()
    assert importer(ImportKind.ORGANISATION, ORG_ROWS).state == ImportState.SUCCEEDED
    assert importer(ImportKind.HALLS, HALL_ROWS).state == ImportState.SUCCEEDED
    halls = {hall.code: hall for hall in Hall.objects.all()}
    for month in (SEP, OCT):
        for code, score in ((STAYS, 90), (MOVED, 80), (CLOSED, 70), ("BD-01-001", 85)):
            response_add(halls[code], month, overall=Decimal(score) / 10)
            ServiceVolumeFactory(
                hall=halls[code], month=month, front_desk=100, assisted_self_service=0, self_service_terminal=0
            )
        for unit in {hall.marketing_unit for hall in halls.values()}:
            BonusPoolFactory(marketing_unit=unit, month=month, amount=Decimal("1000.00"))
    grade_month(month=SEP, user=importer.hq)
    month_publish(month=SEP, user=importer.hq)
    return halls


def test_the_next_grading_ranks_the_moved_hall_in_its_new_district_and_leaves_the_closed_one_out(importer, province):
    september = _results(SEP)
    assert september[MOVED][4] == 2  # second in 长安区 behind SJZ-01-001 in September
    batch = importer(ImportKind.HALLS, _changed_hall_rows(closing="2026-10"))
    assert (batch.state, batch.rows_updated, batch.rows_skipped) == (ImportState.SUCCEEDED, 2, 2)
    assert batch.message == "新增 0 行，更新 2 行，未变 2 行"
    grade_month(month=OCT, user=importer.hq)
    month_publish(month=OCT, user=importer.hq)
    october = _results(OCT)
    assert CLOSED not in october
    assert october[MOVED][4] == 1  # alone in 桥西区 now that SJZ-02-001 is closed
    assert october[MOVED][3] == 2  # city rank among the two open SJZ halls
    assert _results(SEP) == september  # the month before is as it was


def test_the_bonus_split_of_the_closing_month_leaves_the_closed_hall_out_and_the_month_before_keeps_it(
    importer, province
):
    september_split = split_bonus(month=SEP, user=importer.hq)
    importer(ImportKind.HALLS, _changed_hall_rows(closing="2026-10"))
    grade_month(month=OCT, user=importer.hq)
    month_publish(month=OCT, user=importer.hq)
    october_split = split_bonus(month=OCT, user=importer.hq)
    closed = province[CLOSED]
    assert HallBonus.objects.filter(split=september_split, hall=closed).exists()
    assert not HallBonus.objects.filter(split=october_split, hall=closed).exists()
    # SJZ's pool goes whole to its two open halls.
    amounts = dict(
        HallBonus.objects.filter(split=october_split, hall__district__city__code="SJZ").values_list(
            "hall__code", "amount"
        )
    )
    assert set(amounts) == {STAYS, MOVED} and sum(amounts.values()) == Decimal("1000.00")


def test_the_closed_halls_archive_stays_readable_for_its_manager_and_hq(importer, province, client):
    importer(ImportKind.HALLS, _changed_hall_rows(closing="2026-10"))
    closed = Hall.objects.get(code=CLOSED)
    assert (closed.closed_on, closed.is_active) == (OCT, False)
    manager = hall_manager(closed, username="closed-manager")
    for user in (manager, importer.hq):
        client.force_login(user)
        response = client.get(reverse("halls:detail", args=[closed.pk]), {"month": "2026-09"})
        assert response.status_code == 200
        assert response.context["archive"].result.composite == _results(SEP)[CLOSED][1]
        assert "2026-10 起关闭" in response.content.decode()


def test_a_hall_cannot_be_closed_in_a_month_already_published(importer, province):
    batch = importer(ImportKind.HALLS, _changed_hall_rows(closing="2026-09"))
    assert batch.state == ImportState.REJECTED
    assert batch.errors == [{"row": 4, "column": "关闭月份", "reason": "2026-09 的评定已发布，关闭月份应在其后"}]
    assert Hall.objects.get(code=CLOSED).closed_on is None


def test_the_halls_history_shows_who_moved_it_and_from_which_import(importer, province, client):
    batch = importer(ImportKind.HALLS, _changed_hall_rows(closing="2026-10"))
    moved = Hall.objects.get(code=MOVED)
    latest = hall_history(hall=moved)[0]
    assert (latest["who"], latest["reason"]) == (importer.hq, f"导入 #{batch.pk}")
    assert [(str(c["label"]), c["old"], c["new"]) for c in latest["changes"]] == [
        ("区县", "长安区分公司", "桥西区分公司")
    ]
    client.force_login(importer.hq)
    page = client.get(reverse("halls:history", args=[moved.pk])).content.decode()
    assert "长安区分公司 → 桥西区分公司" in page and "hq-importer" in page


def test_a_hall_closed_this_month_is_no_longer_due_an_inspection_on_the_district_home(importer, client):
    assert importer(ImportKind.ORGANISATION, ORG_ROWS).state == ImportState.SUCCEEDED
    this_month = month_start(timezone.localdate())
    rows = [list(row) for row in HALL_ROWS]
    rows[3][8] = f"{this_month:%Y-%m}"  # SJZ-02-001 closes this month
    assert importer(ImportKind.HALLS, rows).state == ImportState.SUCCEEDED
    manager = district_manager(DistrictCompany.objects.get(code="SJZ-02"), username="dm-sjz02")
    client.force_login(manager)
    home = client.get(reverse("scoring:district_home")).context["home"]
    assert [row["hall"].code for row in home.rows] == [CLOSED]
    assert home.inspections_due == []


def test_the_hall_list_marks_a_closed_hall_with_its_closing_month(importer, province, client):
    importer(ImportKind.HALLS, _changed_hall_rows(closing="2026-10"))
    client.force_login(importer.hq)
    page = client.get(reverse("halls:list")).content.decode()
    assert page.count("2026-10 起关闭") == 1
