"""Two people edit the same thing through the pages: the second save is refused with a clear message,
the first person's save stays, and the second person's input comes back in the form (nothing lost).

Covers the three edit pages with an optimistic lock: an inspection draft, an appeal decision, a draft
grading policy. Each page carries the version it was rendered from as a hidden ``lock_version`` field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inspections.models import Appeal, AppealState, Inspection
from inspections.services.appeals import DECISION_CONFLICT
from inspections.services.entry import CONFLICT_MESSAGE, SUBMITTED_MESSAGE, inspection_start
from inspections.services.tree import default_tree_load
from scoring.models import GradingPolicy
from scoring.services import default_policy_load
from scoring.services.policy import STALE_MESSAGE, policy_draft_create
from tests.factories import district_manager, hq_user
from tests.samples import samples_build

pytestmark = pytest.mark.django_db


def form_data(form) -> dict:
    """What a browser would post back for an unchanged form."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else str(value)
    return data


def hidden_lock_version(html: str, version: int) -> bool:
    return f'type="hidden" name="lock_version" value="{version}"' in html


# --- an inspection draft -------------------------------------------------------------------------------


@pytest.fixture
def draft(world):
    default_tree_load()
    return inspection_start(
        user=world.district_a,
        hall=world.hall_a1,
        kind="overt",
        inspected_at=timezone.make_aware(dt.datetime(2026, 3, 10, 10, 0)),
    )


@pytest.fixture
def colleague(world):
    """A second district manager of district A: the other person who may edit the same draft."""
    return district_manager(world.hall_a1.district, username="dm_a_2")


def _first_points_field(form) -> str:
    return next(name for name in form.fields if name.startswith("points_"))


def test_the_inspection_draft_page_carries_its_version_as_a_hidden_field(client, world, draft):
    client.force_login(world.district_a)
    response = client.get(reverse("inspections:edit", args=[draft.pk]))
    assert hidden_lock_version(response.content.decode(), 0)


def test_the_second_save_of_an_inspection_draft_is_refused_and_redisplays_the_users_input(
    client, world, draft, colleague
):
    url = reverse("inspections:edit", args=[draft.pk])
    client.force_login(world.district_a)
    mine = form_data(client.get(url).context["form"])  # both open the page at version 0
    client.force_login(colleague)
    theirs = form_data(client.get(url).context["form"])
    points = _first_points_field(client.get(url).context["form"])

    theirs.update({"note": "同事先保存", points: "1"})
    assert client.post(url, theirs).status_code == 302

    client.force_login(world.district_a)
    mine.update({"note": "我的录入", points: "2"})
    response = client.post(url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert CONFLICT_MESSAGE in page
    form = response.context["form"]
    assert form[points].value() == "2" and form["note"].value() == "我的录入"  # my input, still on the page
    assert "我的录入" in page
    inspection = Inspection.objects.get(pk=draft.pk)
    assert (inspection.note, inspection.lock_version) == ("同事先保存", 1)  # the colleague's save stays
    assert str(inspection.items.get(indicator_id=int(points.split("_")[1])).points) == "1.00"


def test_after_reloading_the_second_person_saves_over_the_new_version(client, world, draft, colleague):
    url = reverse("inspections:edit", args=[draft.pk])
    client.force_login(colleague)
    client.post(url, {**form_data(client.get(url).context["form"]), "note": "同事先保存"})
    client.force_login(world.district_a)
    reloaded = form_data(client.get(url).context["form"])
    assert reloaded["lock_version"] == "1"
    assert client.post(url, {**reloaded, "note": "我的录入"}).status_code == 302
    assert Inspection.objects.get(pk=draft.pk).note == "我的录入"


def test_saving_a_draft_the_colleague_submitted_meanwhile_shows_why_with_the_input_kept(
    client, world, draft, colleague
):
    from tests.inspections.factories import entries_for

    default_policy_load()
    scheme = draft.scheme
    url = reverse("inspections:edit", args=[draft.pk])
    client.force_login(world.district_a)
    mine = form_data(client.get(url).context["form"])
    full_marks = {leaf.code: leaf.points for leaf in scheme.indicators.filter(kind="scored", level=3)}
    from inspections.services.entry import inspection_save

    inspection_save(
        inspection_id=draft.pk, user=colleague, lock_version=0, entries=entries_for(scheme, full_marks), submit=True
    )
    response = client.post(url, {**mine, "note": "我的录入"})
    assert response.status_code == 200
    assert SUBMITTED_MESSAGE in response.content.decode()
    assert response.context["form"]["note"].value() == "我的录入"
    assert Inspection.objects.get(pk=draft.pk).note == ""
    # Opening the page afresh still sends the user to the submitted inspection.
    assert client.get(url)["Location"] == reverse("inspections:detail", args=[draft.pk])


# --- an appeal decision --------------------------------------------------------------------------------


def test_the_appeal_decision_page_carries_its_version_as_a_hidden_field(client, world):
    samples = samples_build(world)
    client.force_login(world.hq)
    response = client.get(reverse("inspections:appeal_detail", args=[samples.appeal.pk]))
    assert hidden_lock_version(response.content.decode(), 0)


def test_the_second_decision_of_an_appeal_is_refused_and_redisplays_the_users_reason(client, world):
    samples = samples_build(world)
    other_hq = hq_user(username="hq2")
    url = reverse("inspections:appeal_detail", args=[samples.appeal.pk])
    client.force_login(world.hq)
    mine = form_data(client.get(url).context["form"])
    client.force_login(other_hq)
    theirs = form_data(client.get(url).context["form"])
    theirs.update({"decision": "reject", "decision_note": "证据不足"})
    assert client.post(url, theirs).status_code == 302

    client.force_login(world.hq)
    mine.update({"decision": "uphold", "decided_points": "3", "decision_note": "照片显示发型合规"})
    response = client.post(url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert DECISION_CONFLICT in page
    assert "照片显示发型合规" in page  # my reason is on the page to copy, not lost
    assert "保存裁定" not in page  # and the form cannot be re-sent over the colleague's decision
    appeal = Appeal.objects.get(pk=samples.appeal.pk)
    assert appeal.lock_version == 1  # the decision moved the version on
    assert (appeal.state, appeal.decision_note, appeal.decided_by) == (AppealState.REJECTED, "证据不足", other_hq)
    assert samples.item.__class__.objects.get(pk=samples.item.pk).points == Decimal("2")  # not upheld


# --- a draft grading policy ----------------------------------------------------------------------------


@pytest.fixture
def draft_policy():
    base, _ = default_policy_load()
    return policy_draft_create(based_on=base, effective_from=dt.date(2026, 6, 1))


def test_the_policy_page_carries_its_version_as_a_hidden_field_in_both_forms(client, world, draft_policy):
    client.force_login(world.hq)
    page = client.get(reverse("scoring:policy_update", args=[draft_policy.pk])).content.decode()
    assert page.count('name="lock_version"') == 2  # the edit form and the activate form
    assert hidden_lock_version(page, 0)


def test_the_second_save_of_a_policy_is_refused_and_redisplays_the_users_figures(client, world, draft_policy):
    other_hq = hq_user(username="hq2")
    url = reverse("scoring:policy_update", args=[draft_policy.pk])
    client.force_login(world.hq)
    mine = form_data(client.get(url).context["form"])
    client.force_login(other_hq)
    theirs = form_data(client.get(url).context["form"])
    assert client.post(url, {**theirs, "bonus_cap": "4"}).status_code == 302

    client.force_login(world.hq)
    response = client.post(url, {**mine, "bonus_cap": "3.5", "veto_cap": "55"})
    assert response.status_code == 400
    assert STALE_MESSAGE in response.content.decode()
    form = response.context["form"]
    assert (form["bonus_cap"].value(), form["veto_cap"].value()) == ("3.5", "55")
    policy = GradingPolicy.objects.get(pk=draft_policy.pk)
    assert (policy.bonus_cap, policy.veto_cap, policy.lock_version) == (
        Decimal("4.00"),
        draft_policy.veto_cap,
        1,
    )
    # Re-sending the same stale form is refused again: only a reload (the new version) can save.
    assert client.post(url, {**mine, "bonus_cap": "3.5"}).status_code == 400


def test_activating_a_policy_someone_edited_meanwhile_is_refused(client, world, draft_policy):
    url = reverse("scoring:policy_update", args=[draft_policy.pk])
    client.force_login(world.hq)
    client.get(url)
    client.post(url, {**form_data(client.get(url).context["form"]), "bonus_cap": "4"})
    response = client.post(url, {"activate": "1", "lock_version": "0"}, follow=True)
    assert STALE_MESSAGE in response.content.decode()
    assert GradingPolicy.objects.get(pk=draft_policy.pk).state == "draft"
