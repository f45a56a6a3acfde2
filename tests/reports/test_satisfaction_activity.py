"""Activity participation (活动参与): in the archive, and as the policy's optional bonus or deduction rule,
versioned with the policy and so shown in a what-if against a draft."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from halls.models import ActivityRule
from scoring.selectors.activity import hall_activity
from scoring.selectors.grading import run_differences
from scoring.services import default_policy_load
from scoring.services.evidence import evidence_frame
from scoring.services.grading import grade_month
from scoring.services.policy import policy_draft_create
from surveys.models import ActivityParticipation
from tests.scoring.conftest import JAN, province  # noqa: F401  (the twelve-hall province fixture)

MARCH = dt.date(2026, 3, 1)


def participate(hall, month, points, n=[0]):  # noqa: B006  (a counter for unique ids)
    n[0] += 1
    return ActivityParticipation.objects.create(
        external_id=f"A{n[0]}", hall=hall, date=month.replace(day=8), month=month, activity="开放日", points=points
    )


def test_grading_evidence_sums_each_halls_activity_points(world):
    participate(world.hall_a1, MARCH, Decimal("6"))
    participate(world.hall_a1, MARCH, Decimal("6.5"))
    participate(world.hall_a2, dt.date(2026, 2, 1), Decimal("9"))  # another month: not counted
    frame = evidence_frame(month=MARCH).set_index("hall_id")
    # a1: 6 + 6.5 = 12.5; a2 nothing in March
    assert frame.loc[world.hall_a1.pk, "activity"] == 12.5
    assert frame.loc[world.hall_a2.pk, "activity"] == 0


def test_the_archive_shows_the_points_the_city_average_and_the_rule(client, world):
    policy, _created = default_policy_load()
    policy.activity_rule, policy.activity_target_points, policy.activity_rule_points = ActivityRule.BONUS, 10, 1
    policy.save()
    participate(world.hall_a1, MARCH, Decimal("12.5"))
    participate(world.hall_b1, MARCH, Decimal("3"))
    figures = hall_activity(hall=world.hall_a1, month=MARCH)
    # city: (12.5 + 3) / 4 open halls = 3.875 → 3.88; 12.5 ≥ 10: the bonus rule gives +1
    assert (figures.points, figures.city_average, figures.met, figures.effect) == (
        Decimal("12.5"),
        Decimal("3.88"),
        True,
        Decimal("1"),
    )
    assert hall_activity(hall=world.hall_b1, month=MARCH).effect == 0  # 3 < 10: no bonus


def test_a_draft_policy_with_an_activity_rule_changes_the_what_if(client, province):  # noqa: F811
    participate(province.halls[1], JAN, Decimal("12"))
    live = grade_month(month=JAN, user=province.hq)
    bonus = policy_draft_create(based_on=province.policy, effective_from=JAN)
    bonus.activity_rule, bonus.activity_target_points, bonus.activity_rule_points = ActivityRule.BONUS, 10, 1
    bonus.save()
    what_if = grade_month(month=JAN, user=province.hq, policy=bonus, what_if=True)
    diffs = {d["result"].hall.code: d for d in run_differences(run=what_if, against=live)}
    # h01: 95 × 0.4 + 90 × 0.3 + 95 × 0.2 + 100 × 0.1 = 94.00, + 1 for 12 ≥ 10 activity points = 95.00
    assert diffs["h01"]["result"].composite == Decimal("95.00") and diffs["h01"]["delta"] == Decimal("1.00")
    assert diffs["h01"]["result"].bonus_points == Decimal("1.00")
    assert "h02" not in diffs  # no activity, no bonus: unchanged
    client.force_login(province.hq)
    page = client.get(reverse("scoring:run_detail", args=[what_if.pk])).content.decode()
    assert '<span id="run-activity-rule">达标加分（达标积分 10.00，加/扣 1.00 分）</span>' in page

    deduction = policy_draft_create(based_on=province.policy, effective_from=JAN)
    deduction.activity_rule, deduction.activity_target_points = ActivityRule.DEDUCTION, 10
    deduction.activity_rule_points = 2
    deduction.save()
    what_if = grade_month(month=JAN, user=province.hq, policy=deduction, what_if=True)
    diffs = {d["result"].hall.code: d for d in run_differences(run=what_if, against=live)}
    assert "h01" not in diffs  # 12 ≥ 10: met, nothing deducted
    # every other graded hall has 0 < 10 points: 2 deducted
    assert diffs["h02"]["delta"] == Decimal("-2.00") and diffs["h02"]["result"].deduction_points >= Decimal("2.00")


def test_the_policy_page_edits_the_new_figures(client, world):
    policy, _created = default_policy_load()
    draft = policy_draft_create(based_on=policy, effective_from=dt.date(2027, 1, 1))
    client.force_login(world.hq)
    page = client.get(reverse("scoring:policy_update", args=[draft.pk])).content.decode()
    for name in ("satisfaction_warning_below", "satisfaction_warning_drop", "activity_rule", "activity_target_points"):
        assert f'name="{name}"' in page
