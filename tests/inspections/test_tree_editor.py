"""The indicator tree edited in the application by HQ: a draft copied from the scheme in force, its items
added, changed, moved and removed, checked at once for what cannot be stored and on activation by the
tree's rules, and tried with a what-if grading before it is activated.

The draft is a copy of the small tree of conftest.py:

    A  (60)                 B  (40)            V  veto     X  deduction 2    P  bonus 1
    ├── A1 (40)             └── B1 (40)
    │   ├── A1.1  25            ├── B1.1  30
    │   └── A1.2  15            └── B1.2  10 (may be N/A)
    └── A2 (20)
        └── A2.1  20
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from halls.errors import ApplicationError
from inspections.models import Indicator, IndicatorKind, IndicatorScheme, SchemeState
from inspections.selectors import scheme_in_force
from inspections.services.tree import scheme_activate, scheme_copy_to_draft, scheme_validate
from inspections.services.tree_editor import (
    indicator_create,
    indicator_delete,
    indicator_move,
    indicator_update,
)
from tests.inspections.factories import codes

APRIL = dt.date(2026, 4, 1)


@pytest.fixture
def draft(small_scheme) -> IndicatorScheme:
    return scheme_copy_to_draft(scheme=small_scheme, effective_from=APRIL, name="四月版")


def points(scheme) -> dict[str, Decimal | None]:
    return {ind.code: ind.points for ind in Indicator.objects.filter(scheme=scheme)}


def tree_order(scheme) -> list[str]:
    return list(Indicator.objects.filter(scheme=scheme).order_by("order").values_list("code", flat=True))


def _fields(ind: Indicator, **changes) -> dict:
    values = {
        "parent": ind.parent,
        "code": ind.code,
        "name_zh": ind.name_zh,
        "name_en": ind.name_en,
        "kind": ind.kind,
        "points": ind.points,
        "allow_na": ind.allow_na,
    }
    return {**values, **changes}


def leaf(scheme, parent, code: str, pts: int | None, kind: str = IndicatorKind.SCORED, **extra) -> Indicator:
    return indicator_create(
        scheme=scheme,
        parent=parent,
        code=code,
        name_zh=f"新{code}",
        name_en=f"New {code}",
        kind=kind,
        points=None if pts is None else Decimal(pts),
        **extra,
    )


# --- services --------------------------------------------------------------------------------------------


def test_a_new_leaf_goes_last_under_its_parent_and_its_points_add_up_into_each_parent(draft):
    by_code = codes(draft)
    added = leaf(draft, by_code["A2"], "A2.2", 5)
    assert (added.level, added.parent_id) == (3, by_code["A2"].pk)
    # A2 = 20 + 5 = 25; A = 40 + 25 = 65
    assert points(draft)["A2"] == Decimal("25") and points(draft)["A"] == Decimal("65")
    assert tree_order(draft)[:7] == ["A", "A1", "A1.1", "A1.2", "A2", "A2.1", "A2.2"]
    # 65 + 40 = 105: the tree's own rule says why it cannot be activated yet
    assert scheme_validate(scheme=draft) == ["一级指标分值之和为 105，应为 100"]


def test_a_fourth_level_is_refused_beside_the_parent_and_nothing_is_saved(draft):
    before = tree_order(draft)
    with pytest.raises(ApplicationError) as caught:
        leaf(draft, codes(draft)["A1.1"], "A1.1.1", 1)
    assert caught.value.field_errors == {"parent": ["指标体系最多三层：A1.1 之下放不下"]}
    assert tree_order(draft) == before


def test_nothing_goes_under_a_veto_deduction_or_bonus_item(draft):
    with pytest.raises(ApplicationError) as caught:
        leaf(draft, codes(draft)["V"], "V.1", 1)
    assert caught.value.field_errors == {"parent": ["一票否决项不能有下级指标"]}


def test_veto_deduction_and_bonus_items_stay_at_the_top(draft):
    with pytest.raises(ApplicationError) as caught:
        leaf(draft, codes(draft)["A1"], "A1.9", 1, kind=IndicatorKind.BONUS)
    assert caught.value.field_errors == {"parent": ["一票否决、扣分和加分项放在顶层，不能有上级指标"]}
    by_code = codes(draft)
    with pytest.raises(ApplicationError):
        indicator_update(indicator=by_code["A2.1"], **_fields(by_code["A2.1"], kind=IndicatorKind.DEDUCTION))
    assert codes(draft)["A2.1"].kind == IndicatorKind.SCORED


def test_a_code_already_in_the_draft_is_refused_beside_the_code(draft):
    with pytest.raises(ApplicationError) as caught:
        leaf(draft, codes(draft)["A2"], "B1.1", 5)
    assert caught.value.field_errors == {"code": ["编码 B1.1 在本版本中已被使用"]}


def test_veto_deduction_and_bonus_items_are_added_at_the_top_outside_the_100_points(draft):
    veto = leaf(draft, None, "V2", 3, kind=IndicatorKind.VETO, allow_na=True)
    bonus = leaf(draft, None, "P2", 2, kind=IndicatorKind.BONUS)
    # A veto carries no points and no item but a scored one may be marked not applicable.
    assert (veto.level, veto.points, veto.allow_na) == (1, None, False)
    assert (bonus.level, bonus.points) == (1, Decimal("2"))
    assert scheme_validate(scheme=draft) == []


def test_moving_an_item_takes_its_children_and_both_old_and_new_parents_are_resummed(draft):
    by_code = codes(draft)
    indicator_update(indicator=by_code["A2"], **_fields(by_code["A2"], parent=by_code["B"]))
    moved = codes(draft)
    assert (moved["A2"].level, moved["A2"].parent_id, moved["A2.1"].level) == (2, by_code["B"].pk, 3)
    # A loses A2's 20: 40; B gains it: 40 + 20 = 60; still 100 in all
    assert (points(draft)["A"], points(draft)["B"]) == (Decimal("40"), Decimal("60"))
    assert tree_order(draft)[:9] == ["A", "A1", "A1.1", "A1.2", "B", "B1", "B1.1", "B1.2", "A2"]
    assert scheme_validate(scheme=draft) == []


def test_an_item_cannot_move_under_itself_or_to_where_its_children_would_be_a_fourth_level(draft):
    by_code = codes(draft)
    with pytest.raises(ApplicationError) as caught:
        indicator_update(indicator=by_code["A"], **_fields(by_code["A"], parent=by_code["A1"]))
    assert caught.value.field_errors == {"parent": ["不能移到自身或其下级指标之下"]}
    # A1 has leaves beneath it: under A2 (level 2) they would be at level 4
    with pytest.raises(ApplicationError) as caught:
        indicator_update(indicator=by_code["A1"], **_fields(by_code["A1"], parent=by_code["A2"]))
    assert caught.value.field_errors == {"parent": ["指标体系最多三层：A2 之下放不下"]}


def test_up_and_down_swap_an_item_with_its_sibling_and_stop_at_either_end(draft):
    by_code = codes(draft)
    indicator_move(indicator=by_code["A2"], direction="up")
    assert tree_order(draft)[:6] == ["A", "A2", "A2.1", "A1", "A1.1", "A1.2"]
    indicator_move(indicator=by_code["A2"], direction="up")  # first already: nothing moves
    assert tree_order(draft)[:6] == ["A", "A2", "A2.1", "A1", "A1.1", "A1.2"]
    indicator_move(indicator=by_code["A1.1"], direction="down")
    assert tree_order(draft)[3:6] == ["A1", "A1.2", "A1.1"]


def test_changing_a_leafs_points_changes_its_parents_and_a_parents_own_points_are_not_taken(draft):
    by_code = codes(draft)
    indicator_update(indicator=by_code["A1.1"], **_fields(by_code["A1.1"], points=Decimal("20")))
    indicator_update(indicator=by_code["A1"], **_fields(by_code["A1"], points=Decimal("99")))
    # A1 = 20 + 15 = 35 whatever was typed for it; A = 35 + 20 = 55
    assert (points(draft)["A1"], points(draft)["A"]) == (Decimal("35"), Decimal("55"))


def test_an_item_with_children_stays_a_scored_item(draft):
    by_code = codes(draft)
    with pytest.raises(ApplicationError) as caught:
        indicator_update(indicator=by_code["A"], **_fields(by_code["A"], kind=IndicatorKind.VETO))
    assert caught.value.field_errors == {"kind": ["有下级指标的指标只能是计分项"]}


def test_removing_an_item_removes_its_children_and_resums_its_parent(draft):
    removed = indicator_delete(indicator=codes(draft)["A1"])
    assert removed == 3  # A1, A1.1, A1.2
    assert "A1.1" not in codes(draft)
    assert points(draft)["A"] == Decimal("20")


def test_an_activated_scheme_is_not_edited(small_scheme):
    with pytest.raises(ApplicationError, match="不能再修改"):
        leaf(small_scheme, None, "P9", 1, kind=IndicatorKind.BONUS)
    with pytest.raises(ApplicationError, match="不能再修改"):
        indicator_delete(indicator=codes(small_scheme)["A1.1"])


def test_a_draft_edited_back_to_100_points_activates_and_governs_its_month(draft, small_scheme):
    by_code = codes(draft)
    indicator_update(indicator=by_code["A1.1"], **_fields(by_code["A1.1"], points=Decimal("20")))
    leaf(draft, by_code["A1"], "A1.3", 5)  # A1 = 20 + 15 + 5 = 40 again
    scheme_activate(scheme=draft)
    assert scheme_in_force(on=dt.date(2026, 4, 15)) == draft
    assert scheme_in_force(on=dt.date(2026, 3, 15)) == small_scheme


def test_activation_refuses_an_edited_draft_by_the_trees_rules(draft):
    indicator_delete(indicator=codes(draft)["A2"])  # level-1 items now 40 + 40 = 80
    with pytest.raises(ApplicationError) as caught:
        scheme_activate(scheme=draft)
    assert caught.value.errors == ["一级指标分值之和为 80，应为 100"]
    assert IndicatorScheme.objects.get(pk=draft.pk).state == SchemeState.DRAFT


@pytest.mark.usefixtures("march", "policy")
def test_the_what_if_grading_shows_the_drafts_effect_before_activation(world, small_scheme):
    """One overt inspection of a1 in March: A1.1 20/25, every other leaf full: 95 of 100 = 95.00.
    The draft makes A1.1 worth 15 and A2.1 worth 30 (still 100): 20/25 × 15 = 12, + 15 + 30 + 30 + 10 = 97."""
    from scoring.models import HallMonthResult
    from scoring.services.grading import grade_month
    from tests.inspections.conftest import FULL_MARKS
    from tests.inspections.factories import inspection_enter

    inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values={**FULL_MARKS, "A1.1": 20})
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=APRIL)
    by_code = codes(draft)
    indicator_update(indicator=by_code["A1.1"], **_fields(by_code["A1.1"], points=Decimal("15")))
    indicator_update(indicator=by_code["A2.1"], **_fields(by_code["A2.1"], points=Decimal("30")))
    assert scheme_validate(scheme=draft) == []

    live = grade_month(month=dt.date(2026, 3, 1), user=world.hq)
    what_if = grade_month(month=dt.date(2026, 3, 1), user=world.hq, scheme=draft, what_if=True)
    assert HallMonthResult.objects.get(run=live, hall=world.hall_a1).inspection_score == Decimal("95.00")
    assert HallMonthResult.objects.get(run=what_if, hall=world.hall_a1).inspection_score == Decimal("97.00")
    assert IndicatorScheme.objects.get(pk=draft.pk).state == SchemeState.DRAFT


# --- pages -----------------------------------------------------------------------------------------------


def test_hq_copies_the_scheme_in_force_from_its_page_into_a_draft_and_lands_in_the_editor(client, world, small_scheme):
    client.force_login(world.hq)
    detail = client.get(reverse("inspections:scheme_detail", args=[small_scheme.pk]))
    assert reverse("inspections:scheme_copy", args=[small_scheme.pk]) in detail.content.decode()
    response = client.post(
        reverse("inspections:scheme_copy", args=[small_scheme.pk]), {"name": "四月版", "effective_from": "2026-04"}
    )
    draft = IndicatorScheme.objects.get(state=SchemeState.DRAFT)
    assert response["Location"] == reverse("inspections:scheme_edit", args=[draft.pk])
    assert (draft.name, draft.effective_from, draft.based_on) == ("四月版", APRIL, small_scheme)
    assert sorted(codes(draft)) == sorted(codes(small_scheme))


def test_other_roles_read_the_tree_but_are_not_offered_the_editor(client, world, small_scheme):
    client.force_login(world.district_a)
    page = client.get(reverse("inspections:scheme_detail", args=[small_scheme.pk])).content.decode()
    assert "A1.1" in page
    assert reverse("inspections:scheme_copy", args=[small_scheme.pk]) not in page
    assert client.get(reverse("inspections:scheme_copy", args=[small_scheme.pk])).status_code == 403


def test_the_editor_lists_what_activation_would_refuse_and_links_to_the_what_if_for_this_draft(client, world, draft):
    client.force_login(world.hq)
    indicator_delete(indicator=codes(draft)["A2"])
    page = client.get(reverse("inspections:scheme_edit", args=[draft.pk])).content.decode()
    assert "一级指标分值之和为 80，应为 100" in page
    what_if_url = f"{reverse('scoring:grading')}?scheme={draft.pk}"
    assert f'href="{what_if_url}"' in page
    grading = client.get(what_if_url).content.decode()
    assert f'<option value="{draft.pk}" selected>' in grading


def test_hq_adds_an_item_through_the_form_and_a_refused_one_is_shown_beside_its_field(client, world, draft):
    client.force_login(world.hq)
    url = reverse("inspections:indicator_create", args=[draft.pk])
    a2 = codes(draft)["A2"]
    item = {"parent": a2.pk, "code": "A2.2", "name_zh": "新项", "name_en": "New", "kind": "scored", "points": "5"}
    response = client.post(url, item)
    added = codes(draft)["A2.2"]
    assert response["Location"] == f"{reverse('inspections:scheme_edit', args=[draft.pk])}#ind-{added.pk}"
    refused = client.post(url, item)
    assert refused.status_code == 200
    assert "编码 A2.2 在本版本中已被使用" in refused.content.decode()
    assert Indicator.objects.filter(scheme=draft, code="A2.2").count() == 1


def test_hq_moves_changes_and_removes_items_through_the_page(client, world, draft):
    client.force_login(world.hq)
    by_code = codes(draft)
    client.post(reverse("inspections:indicator_move", args=[by_code["B"].pk]), {"direction": "up"})
    assert tree_order(draft)[0] == "B"
    client.post(
        reverse("inspections:indicator_update", args=[by_code["A1.1"].pk]),
        {"parent": by_code["A1"].pk, "code": "A1.1", "name_zh": "改名", "name_en": "Renamed", "kind": "scored",
         "points": "20", "allow_na": "on"},
    )  # fmt: skip
    changed = codes(draft)["A1.1"]
    assert (changed.name_zh, changed.points, changed.allow_na) == ("改名", Decimal("20"), True)
    client.post(reverse("inspections:indicator_delete", args=[by_code["X"].pk]))
    assert "X" not in codes(draft)


def test_activating_from_the_editor_refuses_an_invalid_draft_with_its_reasons_and_activates_a_valid_one(
    client, world, draft
):
    client.force_login(world.hq)
    by_code = codes(draft)
    indicator_update(indicator=by_code["A1.1"], **_fields(by_code["A1.1"], points=Decimal("20")))
    response = client.post(reverse("inspections:scheme_activate", args=[draft.pk]), follow=True)
    assert "一级指标分值之和为 95，应为 100" in response.content.decode()
    assert IndicatorScheme.objects.get(pk=draft.pk).state == SchemeState.DRAFT

    indicator_update(indicator=by_code["A1.1"], **_fields(by_code["A1.1"], points=Decimal("25")))
    response = client.post(reverse("inspections:scheme_activate", args=[draft.pk]))
    assert response["Location"] == reverse("inspections:scheme_detail", args=[draft.pk])
    assert IndicatorScheme.objects.get(pk=draft.pk).state == SchemeState.ACTIVE


def test_an_activated_schemes_items_are_not_opened_in_the_editor(client, world, small_scheme):
    client.force_login(world.hq)
    leaf_pk = codes(small_scheme)["A1.1"].pk
    assert client.get(reverse("inspections:scheme_edit", args=[small_scheme.pk])).status_code == 404
    assert client.get(reverse("inspections:indicator_update", args=[leaf_pk])).status_code == 404
    assert client.post(reverse("inspections:indicator_delete", args=[leaf_pk])).status_code == 404
    assert "A1.1" in codes(small_scheme)


def test_hq_renames_a_draft_and_moves_its_effective_month(client, world, draft):
    client.force_login(world.hq)
    client.post(reverse("inspections:scheme_edit", args=[draft.pk]), {"name": "五月版", "effective_from": "2026-05"})
    draft.refresh_from_db()
    assert (draft.name, draft.effective_from) == ("五月版", dt.date(2026, 5, 1))


def test_the_editor_and_its_forms_read_in_english(client, world, small_scheme):
    from tests.i18n.test_english import cjk_in, labels_of

    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=APRIL, name="April")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(world.hq)
    indicator_delete(indicator=codes(draft)["A2"])  # so that a problem is listed too
    for url in (
        reverse("inspections:scheme_edit", args=[draft.pk]),
        reverse("inspections:indicator_update", args=[codes(draft)["A1.1"].pk]),
        reverse("inspections:template_create", args=[draft.pk]),
        reverse("inspections:scheme_copy", args=[small_scheme.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        # the source scheme's name is data, not interface
        assert [t for t in cjk_in(labels_of(response)) if "小树" not in t] == [], url
    page = client.get(reverse("inspections:scheme_edit", args=[draft.pk])).content.decode()
    assert "Level-1 indicators add up to 80 points; they should add up to 100" in page
