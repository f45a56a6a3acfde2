"""Staff accountability: a finding names the clerk on duty; staff scores, ranks, the bottom-ranked list and stars
checked against the drawn province of tests/halls/staff_world.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from halls.errors import ApplicationError
from halls.models import GradingPolicy
from halls.selectors import scope_for
from inspections.models import InspectionItem
from scoring.selectors.staff import staff_bottom_list, staff_frame, staff_unit_ranking
from tests.factories import StaffFactory, hq_user
from tests.halls.staff_world import MARCH, enter, staff_world_build


@pytest.fixture
def world(db, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 20, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    return staff_world_build()


def by_name(frame, world) -> dict[str, dict]:
    names = {s.pk: name for name, s in world.staff.items()}
    return {names[r["staff_id"]]: r for r in frame.to_dict("records")}


def test_a_finding_keeps_the_clerk_the_inspector_named(world):
    named = dict(
        InspectionItem.objects.filter(staff__isnull=False).values_list("indicator__code", "staff__name").order_by()
    )
    assert named == {
        "A1.1": "营业员a",
        "A1.2": "营业员b",
        "X": "营业员b",
        "V": "营业员c",
        "A2.1": "营业员d",
        "P": "营业员e",
    }


def test_a_finding_cannot_name_a_clerk_of_another_hall(world):
    with pytest.raises(ApplicationError) as caught:
        enter(
            user=world.inspector_h1,
            hall=world.h1,
            scheme=world.scheme,
            values={"A1.1": (20, world.staff["d"].pk)},
            when="2026-03-12 10:00",
        )
    assert any(key.startswith("staff_") for key in caught.value.field_errors)


def test_a_finding_cannot_name_a_clerk_who_left_before_the_month(world):
    with pytest.raises(ApplicationError) as caught:
        enter(
            user=world.inspector_h1,
            hall=world.h1,
            scheme=world.scheme,
            values={"A1.1": (20, world.staff["g"].pk)},
            when="2026-03-12 10:00",
        )
    assert "只能指明该营业厅当月在职的营业员" in str(caught.value.field_errors)


def test_staff_scores_take_lost_points_deductions_vetoes_and_praise(world):
    rows = by_name(staff_frame(units=[world.h1.marketing_unit_id], months=[MARCH]), world)
    # a: 100 − (25 − 20) = 95; b: 100 − deduction 2 = 98 (A1.2 at full points is no finding);
    # c: 100 − veto penalty 20 = 80; d: 100 − (20 − 17) = 97; e: 100 + bonus 1 = 101; f: nothing named = 100.
    assert {name: r["score"] for name, r in rows.items()} == {
        "a": Decimal("95.00"),
        "b": Decimal("98.00"),
        "c": Decimal("80.00"),
        "d": Decimal("97.00"),
        "e": Decimal("101.00"),
        "f": Decimal("100.00"),
    }
    assert {name: r["findings"] for name, r in rows.items()} == {"a": 1, "b": 1, "c": 1, "d": 1, "e": 0, "f": 0}


def test_a_clerk_who_left_before_the_month_is_not_ranked_in_it(world):
    rows = by_name(staff_frame(units=[world.h1.marketing_unit_id], months=[MARCH]), world)
    assert "g" not in rows and "z" not in rows


def test_clerks_are_ranked_within_hall_and_marketing_unit(world):
    rows = by_name(staff_frame(units=[world.h1.marketing_unit_id], months=[MARCH]), world)
    # Unit: e 101, f 100, b 98, d 97, a 95, c 80.  H1: b, a, c.  H2: e, f, d.
    assert {name: r["rank_unit"] for name, r in rows.items()} == {"e": 1, "f": 2, "b": 3, "d": 4, "a": 5, "c": 6}
    assert {name: (r["rank_hall"], r["hall_size"]) for name, r in rows.items()} == {
        "b": (1, 3),
        "a": (2, 3),
        "c": (3, 3),
        "e": (1, 3),
        "f": (2, 3),
        "d": (3, 3),
    }
    assert {r["unit_size"] for r in rows.values()} == {6}


def test_equal_staff_scores_are_split_by_service_points(world):
    # f (100, 25 points) and a newcomer h (100, no points): f ranks above h, both above b's 98.
    newcomer = StaffFactory(hall=world.h2, name="营业员h")
    frame = staff_frame(units=[world.h1.marketing_unit_id], months=[MARCH])
    ranks = dict(zip(frame["staff_id"], frame["rank_unit"], strict=True))
    assert (ranks[world.staff["f"].pk], ranks[newcomer.pk], ranks[world.staff["b"].pk]) == (2, 3, 4)


def test_the_bottom_list_takes_the_policys_share_of_each_unit(world):
    hq = hq_user()
    # Default 10 % of 6 clerks: ⌊0.6⌋ = 0, at least one place: c (80).
    assert [row.staff.name for row in staff_bottom_list(scope=scope_for(hq), month=MARCH)] == ["营业员c"]
    # 34 % of 6: ⌊2.04⌋ = 2 places: a (95) and c (80); unit U2's single clerk z is its own top, not its bottom.
    GradingPolicy.objects.filter(pk=world.policy.pk).update(staff_bottom_share=Decimal("34"))
    assert {row.staff.name for row in staff_bottom_list(scope=scope_for(hq), month=MARCH)} == {"营业员a", "营业员c"}


def test_a_star_goes_to_the_units_top_share_without_findings(world):
    rows = by_name(staff_frame(units=[world.h1.marketing_unit_id], months=[MARCH]), world)
    # 10 % of 6 clerks: one place, e (101, no finding).
    assert [name for name, r in rows.items() if r["star"]] == ["e"]
    # 50 % of 6: three places, e, f and b; b was named in a finding (deduction), so no star.
    GradingPolicy.objects.filter(pk=world.policy.pk).update(staff_star_share=Decimal("50"))
    rows = by_name(staff_frame(units=[world.h1.marketing_unit_id], months=[MARCH]), world)
    assert sorted(name for name, r in rows.items() if r["star"]) == ["e", "f"]


def test_no_star_without_service_points_recorded(world):
    # February: nobody named, no service points: all seven (g left on the 20th) tie at the top, no star.
    rows = by_name(staff_frame(units=[world.h1.marketing_unit_id], months=[dt.date(2026, 2, 1)]), world)
    assert {r["rank_unit"] for r in rows.values()} == {1}
    assert not any(r["star"] for r in rows.values()) and not any(r["in_bottom"] for r in rows.values())


def test_a_unit_ranking_shows_each_reader_only_his_halls_clerks(world):
    rows = staff_unit_ranking(scope=scope_for(world.inspector_h2), unit=world.h1.marketing_unit, month=MARCH)
    # D2's manager sees H2's clerks with their places among all six of the unit.
    assert [(row.staff.name, row.rank_unit) for row in rows] == [("营业员e", 1), ("营业员f", 2), ("营业员d", 4)]


def test_the_staff_shares_are_policy_figures_a_draft_may_change_within_bounds(world):
    from django.forms.models import model_to_dict

    from scoring.services import policy_draft_create, policy_update
    from scoring.services.policy import POLICY_FIELDS, policy_validate

    draft = policy_draft_create(based_on=world.policy, effective_from=dt.date(2026, 4, 1), user=None)
    data = model_to_dict(draft, fields=POLICY_FIELDS)
    assert "staff_bottom_share" in policy_validate({**data, "staff_bottom_share": Decimal("0")})
    assert "staff_star_share" in policy_validate({**data, "staff_star_share": Decimal("60")})
    assert "staff_veto_penalty" in policy_validate({**data, "staff_veto_penalty": Decimal("120")})
    saved = policy_update(
        policy=draft, data={**data, "staff_bottom_share": Decimal("20")}, lock_version=draft.lock_version
    )
    assert saved.staff_bottom_share == Decimal("20")
