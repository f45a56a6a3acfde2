"""The versioned indicator tree: validation on activation, copying into drafts, the version in force."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from halls.errors import ApplicationError
from inspections.default_tree import DEFAULT_TREE
from inspections.models import Indicator, IndicatorScheme, Inspection, InspectionKind, SchemeState
from inspections.selectors import scheme_in_force, scheme_leaves
from inspections.services.tree import (
    TreeNode,
    default_tree_load,
    scheme_activate,
    scheme_copy_to_draft,
    scheme_create_from_spec,
    tree_validate,
)
from tests.factories import HallFactory
from tests.inspections.conftest import SMALL_TREE

pytestmark = pytest.mark.django_db


def _draft(spec, month=dt.date(2026, 1, 1)):
    return scheme_create_from_spec(spec=spec, name="t", effective_from=month)


def test_default_tree_is_valid_and_sums_to_100():
    scheme, created = default_tree_load()
    assert created and scheme.state == SchemeState.ACTIVE
    level1 = scheme.indicators.filter(level=1, kind="scored")
    assert sum(i.points for i in level1) == Decimal("100")
    assert [i.code for i in level1.order_by("order")] == ["SN", "BS", "QU", "EF"]
    assert scheme.indicators.filter(kind="veto").count() == 2


def test_default_tree_load_is_idempotent():
    first, _ = default_tree_load()
    second, created = default_tree_load()
    assert (second.pk, created) == (first.pk, False)
    assert IndicatorScheme.objects.count() == 1


def test_children_that_do_not_sum_to_their_parent_are_refused():
    spec = copy.deepcopy(SMALL_TREE)
    spec[0][6][0][6][0] = ("A1.1", "甲一一", "A1.1", 24, "scored", False, [])  # 24 + 15 = 39, not 40
    scheme = _draft(spec)
    with pytest.raises(ApplicationError) as excinfo:
        scheme_activate(scheme=scheme)
    assert "A1 的下级指标分值之和为 39，与其分值 40 不符" in excinfo.value.errors
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.DRAFT


def test_level_one_points_must_sum_to_100():
    spec = copy.deepcopy(SMALL_TREE)
    spec[1] = (
        "B",
        "乙",
        "B",
        30,
        "scored",
        False,
        [
            ("B1", "乙一", "B one", 30, "scored", False, [("B1.1", "乙一一", "B1.1", 30, "scored", False, [])]),
        ],
    )
    with pytest.raises(ApplicationError) as excinfo:
        scheme_activate(scheme=_draft(spec))
    assert "一级指标分值之和为 90，应为 100" in excinfo.value.errors


def test_duplicate_codes_are_refused():
    nodes = [
        TreeNode("A", None, 1, Decimal("100"), "scored"),
        TreeNode("A1", "A", 2, Decimal("100"), "scored"),
        TreeNode("A1.1", "A1", 3, Decimal("50"), "scored"),
        TreeNode("A1.1", "A1", 3, Decimal("50"), "scored"),
    ]
    assert "指标编码重复：A1.1" in tree_validate(nodes)


def test_points_on_an_inner_node_without_points_on_its_leaves_are_refused():
    spec = [
        (
            "A",
            "甲",
            "A",
            100,
            "scored",
            False,
            [
                (
                    "A1",
                    "甲一",
                    "A1",
                    100,
                    "scored",
                    False,
                    [
                        ("A1.1", "甲一一", "A1.1", None, "scored", False, []),
                        ("A1.2", "甲一二", "A1.2", None, "scored", False, []),
                    ],
                ),
            ],
        ),
    ]
    with pytest.raises(ApplicationError) as excinfo:
        scheme_activate(scheme=_draft(spec))
    assert any("分值应落在叶子指标上，而不是上级指标 A1 上" in e for e in excinfo.value.errors)
    assert "计分叶子指标 A1.1 缺少分值" in excinfo.value.errors


def test_a_scored_leaf_above_level_three_is_refused():
    nodes = [TreeNode("A", None, 1, Decimal("100"), "scored"), TreeNode("A1", "A", 2, Decimal("100"), "scored")]
    assert "计分叶子指标 A1 应在第 3 层，实际在第 2 层" in tree_validate(nodes)


def test_a_veto_item_cannot_have_children():
    nodes = [
        TreeNode("A", None, 1, Decimal("100"), "scored"),
        TreeNode("A1", "A", 2, Decimal("100"), "scored"),
        TreeNode("A1.1", "A1", 3, Decimal("100"), "scored"),
        TreeNode("V", None, 1, None, "veto"),
        TreeNode("V1", "V", 2, None, "veto"),
    ]
    assert "V 是一票否决项，不能有下级指标" in tree_validate(nodes)


def test_a_valid_small_tree_activates(small_scheme):
    assert small_scheme.state == SchemeState.ACTIVE
    assert small_scheme.activated_at is not None


def test_activating_a_new_version_retires_the_old_but_keeps_it_in_force_for_earlier_months(small_scheme):
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 4, 1))
    scheme_activate(scheme=draft)
    small_scheme.refresh_from_db()
    assert small_scheme.state == SchemeState.RETIRED
    assert scheme_in_force(on=dt.date(2026, 3, 31)) == small_scheme
    assert scheme_in_force(on=dt.date(2026, 4, 1)) == draft


def test_no_scheme_in_force_before_the_first_one(small_scheme):
    with pytest.raises(ApplicationError, match="2025-12 没有生效的指标体系"):
        scheme_in_force(on=dt.date(2025, 12, 15))


def test_copy_to_draft_copies_the_whole_tree_with_its_parents(small_scheme):
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 2, 1))
    assert draft.state == SchemeState.DRAFT and draft.version == small_scheme.version + 1
    original = {(i.code, i.parent.code if i.parent else None, i.points, i.kind) for i in small_scheme.indicators.all()}
    copied = {(i.code, i.parent.code if i.parent else None, i.points, i.kind) for i in draft.indicators.all()}
    assert copied == original
    assert not draft.indicators.filter(parent__scheme=small_scheme).exists()


def test_a_new_draft_version_leaves_old_results_on_their_version(small_scheme):
    hall = HallFactory()
    old = Inspection.objects.create(
        hall=hall,
        scheme=small_scheme,
        kind=InspectionKind.OVERT,
        inspected_at=timezone.make_aware(dt.datetime(2026, 1, 10, 10)),
        month=dt.date(2026, 1, 1),
    )
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 3, 1))
    Indicator.objects.filter(scheme=draft, code="A1.1").update(points=Decimal("20"))
    Indicator.objects.filter(scheme=draft, code="A1.2").update(points=Decimal("20"))
    scheme_activate(scheme=draft)
    old.refresh_from_db()
    assert old.scheme_id == small_scheme.pk
    assert Indicator.objects.get(scheme=small_scheme, code="A1.1").points == Decimal("25")


def test_an_active_scheme_cannot_be_activated_again(small_scheme):
    with pytest.raises(ApplicationError, match="只有草稿可以启用"):
        scheme_activate(scheme=small_scheme)


def test_a_new_version_must_start_after_the_one_in_force(small_scheme):
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 1, 1))
    with pytest.raises(ApplicationError, match="生效月份须晚于现行版本"):
        scheme_activate(scheme=draft)


@pytest.mark.parametrize("role", ["hq", "district_a", "manager_a1"])
def test_every_role_can_read_the_tree_page(client, world, role):
    scheme, _ = default_tree_load()
    client.force_login(getattr(world, role))
    response = client.get(reverse("inspections:scheme_detail", args=[scheme.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "服务规范" in body and "SN1.1" in body
    assert client.get(reverse("inspections:scheme_list")).status_code == 200


def test_the_tree_page_marks_the_complaint_item_as_deducting_nothing(client, world):
    scheme, _ = default_tree_load()
    client.force_login(world.hq)
    body = client.get(reverse("inspections:scheme_detail", args=[scheme.pk])).content.decode()
    row = body[body.index("<code>DED1</code>") : body.index("<code>DED2</code>")]
    assert "属实投诉：只在投诉维度计分，此项不扣分" in row


def test_user_without_role_cannot_read_the_tree(client, world):
    client.force_login(world.no_role)
    assert client.get(reverse("inspections:scheme_list")).status_code == 403


def test_default_tree_codes_are_unique():
    codes = []

    def walk(nodes):
        for node in nodes:
            codes.append(node[0])
            walk(node[6])

    walk(DEFAULT_TREE)
    assert len(codes) == len(set(codes))


def test_a_drafts_leaves_are_read_each_time_and_once_it_is_activated_kept(django_assert_num_queries):
    draft = _draft(SMALL_TREE)
    leaf = draft.indicators.get(code="A1.1")
    with django_assert_num_queries(1):
        assert "A1.1" in [ind.code for ind in scheme_leaves(scheme_id=draft.pk)]
    # A draft is edited in the admin: the next read sees the edit.
    Indicator.objects.filter(pk=leaf.pk).update(name_zh="新名称")
    with django_assert_num_queries(1):
        assert {ind.code: ind.name_zh for ind in scheme_leaves(scheme_id=draft.pk)}["A1.1"] == "新名称"
    scheme_activate(scheme=draft)
    first = scheme_leaves(scheme_id=draft.pk)
    with django_assert_num_queries(0):
        assert [ind.pk for ind in scheme_leaves(scheme_id=draft.pk)] == [ind.pk for ind in first]
