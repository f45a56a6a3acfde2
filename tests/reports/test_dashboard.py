"""The HQ dashboard: grade distribution and its change, status lists, the weak-item heat map, district and
marketing-unit comparison, work waiting, and inspector consistency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from inspections.models import InspectionKind
from scoring.selectors.dashboards import inspector_consistency
from surveys.models import ImportBatch, ImportKind, ImportState
from tests.factories import HallFactory, UserFactory, d
from tests.reports.factories import JUNE, inspection_submit

pytestmark = pytest.mark.django_db


def _dashboard(client, world, **params):
    client.force_login(world.hq)
    response = client.get(reverse("scoring:dashboard"), params)
    assert response.status_code == 200
    return response.context["dashboard"]


def test_grade_distribution_and_its_change_against_last_month(client, world, gradings):
    dashboard = _dashboard(client, world, month="2026-06")
    # June: one hall in each grade; May: all four were B.
    assert [(g["grade"], g["count"], g["previous"], g["change"]) for g in dashboard.grades] == [
        ("A", 1, 0, 1),
        ("B", 1, 4, -3),
        ("C", 1, 0, 1),
        ("D", 1, 0, 1),
    ]


def test_status_lists_name_the_halls_for_next_month(client, world, gradings):
    groups = {
        g["status"]: [r.hall for r in g["results"]]
        for g in _dashboard(client, world, month="2026-06").statuses["groups"]
    }
    assert groups == {
        "exempt": [world.hall_a1],
        "monitored": [world.hall_b2],
        "supervised": [],
        "star": [world.hall_a1],
    }


def test_district_and_marketing_unit_comparison(client, world, gradings):
    dashboard = _dashboard(client, world, month="2026-06")
    # District A: (92.50 + 75.00) / 2 = 83.75; district B: (85.00 + 55.00) / 2 = 70.00.
    assert [(row["name"], row["average"], row["grades"]) for row in dashboard.districts] == [
        (world.hall_a1.district.name, d("83.75"), [1, 0, 1, 0]),
        (world.hall_b1.district.name, d("70.00"), [0, 1, 0, 1]),
    ]
    assert sum(row["halls"] for row in dashboard.units) == 4


def test_heat_map_shows_the_share_of_points_lost_per_level_two_indicator_and_district(client, world, gradings):
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.1": 5, "S1.2": 5})  # S1: lost 20 of 30
    inspection_submit(hall=world.hall_a2, month=JUNE)  # S1: lost 0 of 30
    inspection_submit(hall=world.hall_b1, month=JUNE, points={"Q1.1": 15})  # Q1: lost 15 of 40
    heatmap = _dashboard(client, world, month="2026-06").heatmap
    assert heatmap["x"] == [world.hall_a1.district.name, world.hall_b1.district.name]
    assert heatmap["y"] == ["仪容", "礼貌", "等候"]
    cells = {(heatmap["x"][x], heatmap["y"][y]): v for x, y, v in heatmap["cells"]}
    # District A, S1: 20 / 60 = 33.33%; district B, Q1: 15 / 40 = 37.5%.
    assert cells[(world.hall_a1.district.name, "仪容")] == 33.33
    assert cells[(world.hall_b1.district.name, "等候")] == 37.5
    assert cells[(world.hall_b1.district.name, "仪容")] == 0
    assert heatmap["max"] == 37.5


def test_imports_and_gradings_waiting_are_listed(client, world, gradings):
    ImportBatch.objects.create(kind=ImportKind.COMPLAINTS, file="x.xlsx", file_name="投诉.xlsx", checksum="a" * 64)
    ImportBatch.objects.create(
        kind=ImportKind.COMPLAINTS, file="y.xlsx", file_name="done.xlsx", checksum="b" * 64, state=ImportState.SUCCEEDED
    )
    dashboard = _dashboard(client, world)
    assert [b.file_name for b in dashboard.imports_waiting] == ["投诉.xlsx"]
    assert dashboard.runs_waiting == [gradings.july_draft]


def test_a_harsh_inspector_is_flagged_against_his_peers(world):
    """Four halls in June, each inspected by X, Y and Z: X takes off 30, Y 10, Z 12 every time."""
    harsh, fair, other = (UserFactory(username=n) for n in ("x", "y", "z"))
    for hall in (world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2):
        inspection_submit(hall=hall, month=JUNE, points={"S2.1": 0}, inspector=harsh)  # 70 → 30 off
        inspection_submit(hall=hall, month=JUNE, points={"Q1.2": 0}, inspector=fair)  # 90 → 10 off
        inspection_submit(hall=hall, month=JUNE, points={"Q1.2": 0, "S1.2": 8}, inspector=other)  # 88 → 12 off
    report = {row["name"]: row for row in inspector_consistency(month=JUNE).rows}
    x, y, z = report["x"], report["y"], report["z"]
    # X: 30 − (10 + 12) / 2 = 19 in each of 4 comparisons; Y: 10 − 21 = −11; Z: 12 − 20 = −8.
    assert (x["own"], x["others"], x["bias"], x["comparisons"]) == (d("30.00"), d("11.00"), d("19.00"), 4)
    assert (y["bias"], z["bias"]) == (d("-11.00"), d("-8.00"))
    # σ of the 12 differences = √((4·19² + 4·11² + 4·8²) / 11) = 14.09; z = 19 / (14.09 / √4) = 2.70.
    assert x["z"] == pytest.approx(2.70, abs=0.01)
    assert (x["flag"], y["flag"], z["flag"]) == ("harsh", "", "")


def test_mystery_vendors_are_compared_with_vendors_only_and_lone_raters_are_not_judged(world):
    inspector = UserFactory(username="dm")
    inspection_submit(hall=world.hall_a1, month=JUNE, inspector=inspector)
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"S2.1": 0}, kind=InspectionKind.MYSTERY, vendor="暗访甲")
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"Q1.2": 0}, kind=InspectionKind.MYSTERY, vendor="暗访乙")
    inspection_submit(hall=world.hall_b1, month=dt.date(2025, 6, 1), inspector=inspector)  # outside the 6 months
    inspection_submit(hall=HallFactory(), month=JUNE, inspector=UserFactory(username="alone"))
    report = {row["name"]: row for row in inspector_consistency(month=JUNE).rows}
    # 暗访甲 takes off 30, 暗访乙 10: each is compared with the other vendor, not with dm's overt inspection.
    assert report["暗访甲"]["kind"] == "vendor" and report["暗访甲"]["check"] == InspectionKind.MYSTERY
    assert (report["暗访甲"]["own"], report["暗访甲"]["others"]) == (d("30.00"), d("10.00"))
    assert (report["暗访乙"]["own"], report["暗访乙"]["others"]) == (d("10.00"), d("30.00"))
    # dm is the only overt inspector of a1 in June: nobody of his kind to compare with.
    assert report["dm"]["inspections"] == 1 and report["dm"]["comparisons"] == 0
    assert report["alone"]["comparisons"] == 0 and report["alone"]["flag"] == ""


def test_inspections_without_a_rater_are_left_out_not_pooled_into_one_rater(world):
    """Four halls in June, each with an overt inspection by X taking off 10 and three with no inspector
    taking off 0: before, the unnamed ones were one rater "—" compared with X and flagged lenient."""
    x = UserFactory(username="x")
    for hall in (world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2):
        inspection_submit(hall=hall, month=JUNE, points={"Q1.2": 0}, inspector=x)
        for _ in range(3):
            inspection_submit(hall=hall, month=JUNE, inspector=None)
    inspection_submit(hall=world.hall_a1, month=JUNE, kind=InspectionKind.MYSTERY, vendor="")
    consistency = inspector_consistency(month=JUNE)
    assert [row["name"] for row in consistency.rows] == ["x"]
    assert consistency.rows[0]["comparisons"] == 0 and consistency.rows[0]["flag"] == ""
    assert consistency.unrated == 13


def test_an_inspectors_remote_checks_are_compared_with_remote_checks_not_with_overt_ones(world):
    """X and Y both check a1 and a2 in June, X on site (takes off 30), Y by video (takes off 0): different
    kinds of check, so neither has anyone to compare with; Z's remote checks (takes off 10) compare with Y's."""
    x, y, z = (UserFactory(username=n) for n in ("x", "y", "z"))
    for hall in (world.hall_a1, world.hall_a2):
        inspection_submit(hall=hall, month=JUNE, points={"S2.1": 0}, inspector=x)
        inspection_submit(hall=hall, month=JUNE, kind=InspectionKind.REMOTE, inspector=y)
        inspection_submit(hall=hall, month=JUNE, points={"Q1.2": 0}, kind=InspectionKind.REMOTE, inspector=z)
    report = {row["name"]: row for row in inspector_consistency(month=JUNE).rows}
    assert report["x"]["comparisons"] == 0 and report["x"]["check"] == InspectionKind.OVERT
    assert (report["y"]["check"], report["y"]["comparisons"], report["y"]["others"]) == ("remote", 2, d("10.00"))
    assert (report["z"]["own"], report["z"]["others"]) == (d("10.00"), d("0.00"))


def test_the_consistency_table_says_what_each_figure_compares(client, world, gradings):
    inspection_submit(hall=world.hall_a1, month=JUNE, inspector=world.district_a)
    inspection_submit(hall=world.hall_a1, month=JUNE, kind=InspectionKind.MYSTERY, vendor="暗访甲")
    inspection_submit(hall=world.hall_a2, month=JUNE, inspector=None)
    client.force_login(world.hq)
    html = client.get(reverse("scoring:dashboard"), {"month": "2026-06"}).content.decode()
    assert "同厅同月其他检查人的明查" in html and "同厅同月其他暗访机构的暗访" in html
    assert '<span id="consistency-unrated">1 次检查未记录检查人或暗访机构，不参与对比。</span>' in html


def test_heat_map_names_indicators_in_english_for_english_readers(client, world, gradings):
    inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.1": 5})
    client.force_login(world.hq)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("scoring:dashboard"), {"month": "2026-06"})
    assert response.context["dashboard"].heatmap["y"] == ["Appearance", "Courtesy", "Waiting"]
