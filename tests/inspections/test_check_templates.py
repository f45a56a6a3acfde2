"""Check templates: named subsets of a scheme's leaves, edited with the draft and frozen on activation; a
remote or special check entered against one records only its leaves and is scored over the points they
apply; the full tree remains the overt inspection's.

The templates here are made on the small tree of conftest.py:

    A  (60)                 B  (40)            V  veto     X  deduction 2    P  bonus 1
    ├── A1 (40)             └── B1 (40)
    │   ├── A1.1  25            ├── B1.1  30
    │   └── A1.2  15            └── B1.2  10 (may be N/A)
    └── A2 (20)
        └── A2.1  20

    patrol "A1" = A1.1, A1.2 and the veto V (40 points applicable)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from halls.errors import ApplicationError
from inspections.default_tree import DEFAULT_TEMPLATES
from inspections.models import CheckTemplate, Inspection, InspectionItem, InspectionKind
from inspections.services.check_templates import check_template_delete, check_template_save
from inspections.services.entry import ItemEntry, inspection_save, inspection_start
from inspections.services.tree import default_tree_load, scheme_activate, scheme_copy_to_draft
from inspections.services.tree_editor import indicator_delete
from tests.inspections.factories import at, codes, entries_for, refreshed

pytestmark = pytest.mark.usefixtures("march", "policy")


def _save(scheme, code="PATROL", leaves=("A1.1", "A1.2", "V"), template=None, name_zh="甲一巡检") -> CheckTemplate:
    by_code = codes(scheme)
    return check_template_save(
        scheme=scheme,
        template=template,
        code=code,
        name_zh=name_zh,
        name_en="A1 patrol",
        indicator_ids=[by_code[c].pk for c in leaves],
    )


@pytest.fixture
def with_patrol(small_scheme):
    """The small tree's scheme in force, re-activated from a draft holding the patrol template."""
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 2, 1))
    _save(draft)
    return scheme_activate(scheme=draft)


def start(world, kind=InspectionKind.REMOTE, template_code="PATROL", when="2026-03-10 10:00") -> Inspection:
    return inspection_start(
        user=world.district_a, hall=world.hall_a1, kind=kind, inspected_at=at(when), template_code=template_code
    )


def submit(world, inspection: Inspection, values: dict) -> Inspection:
    inspection_save(
        inspection_id=inspection.pk,
        user=world.district_a,
        lock_version=inspection.lock_version,
        entries=entries_for(inspection.scheme, values),
        submit=True,
    )
    return refreshed(inspection)


# --- the default tree's templates --------------------------------------------------------------------


def test_the_default_tree_is_loaded_with_a_queue_patrol_and_a_5s_environment_check(db):
    scheme, _ = default_tree_load()
    templates = {t.code: t for t in scheme.templates.all()}
    assert sorted(templates) == ["ENV5S", "QUEUE"]
    assert templates["QUEUE"].name_zh == "排队管理巡检"
    queue = {ind.code: ind.points for ind in templates["QUEUE"].indicators.all()}
    # the queuing dimension's six leaves, 6 + 4 + 3 + 2 + 3 + 2 = 20 points, and the quarrel veto
    assert sum(p for p in queue.values() if p) == Decimal("20") and "VETO1" in queue
    env = templates["ENV5S"].indicators.all()
    assert sum(ind.points for ind in env) == Decimal("15")
    assert [code for code, *_ in DEFAULT_TEMPLATES] == ["QUEUE", "ENV5S"]


# --- entry and totals --------------------------------------------------------------------------------


def test_a_remote_check_against_a_template_is_scored_over_the_points_it_applies(world, with_patrol):
    inspection = start(world)
    done = submit(world, inspection, {"A1.1": 20, "A1.2": 15})
    # awarded 20 + 15 = 35 of applicable 25 + 15 = 40: 35 / 40 × 100 = 87.50 (not 35 of the tree's 100)
    assert (done.points_awarded, done.points_applicable, done.score) == (Decimal("35"), Decimal("40"), Decimal("87.50"))
    assert done.template.code == "PATROL" and done.kind_text == "远程监控 · 甲一巡检"


def test_a_template_check_asks_for_each_of_its_leaves_and_records_no_other(world, with_patrol):
    inspection = start(world)
    by_code = codes(with_patrol)
    with pytest.raises(ApplicationError) as caught:
        submit(world, inspection, {"A1.1": 20})
    assert list(caught.value.field_errors) == [f"points_{by_code['A1.2'].pk}"]
    # B1.1 is not in the template: what is sent for it is not recorded
    inspection_save(
        inspection_id=inspection.pk,
        user=world.district_a,
        lock_version=inspection.lock_version,
        entries={
            **entries_for(with_patrol, {"A1.1": 20, "A1.2": 15}),
            by_code["B1.1"].pk: ItemEntry(points=Decimal(0)),
        },
        submit=True,
    )
    recorded = set(InspectionItem.objects.filter(inspection=inspection).values_list("indicator__code", flat=True))
    assert recorded == {"A1.1", "A1.2"}


def test_a_veto_in_the_template_is_recorded_and_outside_it_is_not_offered(world, with_patrol):
    done = submit(world, start(world), {"A1.1": 25, "A1.2": 15, "V": ("veto", "与客户争吵")})
    assert done.vetoed and done.score == Decimal("100.00")


def test_the_overt_inspection_keeps_the_full_tree(world, with_patrol):
    with pytest.raises(ApplicationError) as caught:
        start(world, kind=InspectionKind.OVERT)
    assert caught.value.field_errors == {"template": ["明查按全部指标检查，不能选择检查模板"]}
    template = with_patrol.templates.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.filter(pk=start(world, template_code="").pk).update(
            kind=InspectionKind.OVERT, template=template
        )


def test_a_template_is_found_in_the_tree_in_force_on_the_day_of_the_check(world, small_scheme, with_patrol):
    """The patrol exists from February (with_patrol); the small tree of January has none."""
    assert start(world, when="2026-02-10 10:00").template.scheme == with_patrol
    with pytest.raises(ApplicationError) as caught:
        start(world, when="2026-01-20 10:00")
    assert caught.value.field_errors == {"template": ["检查当天生效的指标体系中没有检查模板 PATROL"]}


def test_a_special_check_against_no_template_still_scores_the_full_tree(world, with_patrol):
    full = {"A1.1": 25, "A1.2": 15, "A2.1": 20, "B1.1": 30, "B1.2": 10}
    done = submit(world, start(world, kind=InspectionKind.SPECIAL, template_code=""), full)
    assert (done.template, done.points_applicable) == (None, Decimal("100"))


# --- editing, copying, freezing ----------------------------------------------------------------------


def test_templates_are_copied_into_a_new_draft_with_their_leaves_matched_by_code(with_patrol):
    draft = scheme_copy_to_draft(scheme=with_patrol, effective_from=dt.date(2026, 5, 1))
    copy = draft.templates.get(code="PATROL")
    assert copy.name_zh == "甲一巡检"
    assert sorted((ind.code, ind.scheme_id) for ind in copy.indicators.all()) == [
        ("A1.1", draft.pk),
        ("A1.2", draft.pk),
        ("V", draft.pk),
    ]


def test_an_activated_schemes_templates_are_frozen(with_patrol):
    template = with_patrol.templates.get()
    with pytest.raises(ApplicationError, match="不能再修改"):
        _save(with_patrol, template=template, name_zh="改名")
    with pytest.raises(ApplicationError, match="不能再修改"):
        check_template_delete(template=template)
    assert CheckTemplate.objects.get(pk=template.pk).name_zh == "甲一巡检"


def test_a_template_holds_at_least_one_scored_leaf_and_only_leaves_of_its_own_draft(small_scheme):
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 4, 1))
    with pytest.raises(ApplicationError) as caught:
        _save(draft, leaves=("V", "X"))
    assert caught.value.field_errors == {"indicators": ["检查模板至少需要一个计分项，才能按其适用分值计分"]}
    with pytest.raises(ApplicationError, match="只能选择本版本的第 3 层计分指标和特殊项"):
        _save(draft, leaves=("A1", "A1.1"))
    with pytest.raises(ApplicationError, match="只能选择本版本的第 3 层计分指标和特殊项"):
        check_template_save(
            scheme=draft, code="T", name_zh="t", name_en="t", indicator_ids=[codes(small_scheme)["A1.1"].pk]
        )
    _save(draft)
    with pytest.raises(ApplicationError) as caught:
        _save(draft, leaves=("B1.1",))
    assert caught.value.field_errors == {"code": ["编码 PATROL 在本版本中已被使用"]}


def test_activation_refuses_a_template_whose_scored_leaves_were_removed_from_the_draft(small_scheme):
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 4, 1))
    _save(draft)
    indicator_delete(indicator=codes(draft)["A1"])  # A1.1 and A1.2 go; A now 20: refused for that too
    with pytest.raises(ApplicationError) as caught:
        scheme_activate(scheme=draft)
    assert "检查模板 PATROL 至少需要一个计分项" in caught.value.errors


# --- pages -------------------------------------------------------------------------------------------


def test_hq_adds_and_changes_a_template_of_the_draft_through_its_pages(client, world, small_scheme):
    draft = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 4, 1))
    by_code = codes(draft)
    client.force_login(world.hq)
    form = client.get(reverse("inspections:template_create", args=[draft.pk])).content.decode()
    assert "A1.1" in form and f'value="{by_code["A1"].pk}"' not in form  # leaves only
    payload = {"code": "SPEC", "name_zh": "专项", "name_en": "Topic", "indicators": [by_code["B1.1"].pk]}
    response = client.post(reverse("inspections:template_create", args=[draft.pk]), payload)
    assert response.status_code == 302
    template = draft.templates.get(code="SPEC")
    client.post(
        reverse("inspections:template_update", args=[template.pk]),
        {**payload, "indicators": [by_code["B1.1"].pk, by_code["B1.2"].pk]},
    )
    assert sorted(template.indicators.values_list("code", flat=True)) == ["B1.1", "B1.2"]
    editor = client.get(reverse("inspections:scheme_edit", args=[draft.pk])).content.decode()
    assert "专项" in editor
    client.post(reverse("inspections:template_delete", args=[template.pk]))
    assert not draft.templates.exists()


def test_the_start_page_offers_the_templates_in_force_and_the_entry_page_shows_only_their_items(
    client, world, with_patrol
):
    client.force_login(world.district_a)
    url = reverse("inspections:start", args=[world.hall_a1.pk])
    assert "甲一巡检" in client.get(url).content.decode()
    response = client.post(url, {"kind": "remote", "inspected_at": "2026-03-10 09:00", "template_code": "PATROL"})
    inspection = Inspection.objects.get()
    assert response["Location"] == reverse("inspections:edit", args=[inspection.pk])
    page = client.get(response["Location"]).content.decode()
    by_code = codes(with_patrol)
    assert f'name="points_{by_code["A1.1"].pk}"' in page and f'name="veto_{by_code["V"].pk}"' in page
    assert f'name="points_{by_code["B1.1"].pk}"' not in page and f'name="points_{by_code["X"].pk}"' not in page
    assert "A 甲（40）" in page  # the level-1 heading counts only the template's points beneath it


def test_the_inspection_page_and_the_hall_archive_show_the_template(client, world, with_patrol):
    done = submit(world, start(world), {"A1.1": 20, "A1.2": 15})
    client.force_login(world.manager_a1)
    detail = client.get(reverse("inspections:detail", args=[done.pk])).content.decode()
    assert "远程监控 · 甲一巡检" in detail and "87.50" in detail
    assert "B1.1" not in detail
    archive = client.get(reverse("halls:detail", args=[world.hall_a1.pk])).content.decode()
    assert "远程监控 · 甲一巡检" in archive
    listing = client.get(reverse("inspections:list")).content.decode()
    assert "远程监控 · 甲一巡检" in listing


def test_every_role_reads_a_schemes_templates_on_its_tree_page(client, world, with_patrol):
    client.force_login(world.manager_a1)
    page = client.get(reverse("inspections:scheme_detail", args=[with_patrol.pk])).content.decode()
    template = with_patrol.templates.get()
    assert "甲一巡检" in page and reverse("inspections:template_update", args=[template.pk]) not in page
