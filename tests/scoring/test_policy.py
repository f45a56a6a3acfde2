"""The grading policy as data: validation with clear messages, optimistic locking, activation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from halls.errors import ApplicationError
from scoring.models import GradingPolicy, PolicyState, RankingGroup
from scoring.selectors import policy_in_force
from scoring.services import default_policy_load, policy_activate, policy_draft_create, policy_update
from scoring.services.policy import POLICY_FIELDS, policy_validate

pytestmark = pytest.mark.django_db
MAY = dt.date(2026, 5, 1)


@pytest.fixture
def draft(db):
    live, _ = default_policy_load()
    return policy_draft_create(based_on=live, effective_from=MAY)


def _data(policy, **changes):
    data = model_to_dict(policy, fields=POLICY_FIELDS)
    data.update({k: Decimal(str(v)) if isinstance(v, int | float) else v for k, v in changes.items()})
    return data


def test_the_default_policy_is_valid(draft):
    assert policy_validate(_data(draft)) == {}


def test_weights_that_do_not_sum_to_100_are_refused_with_the_sum(draft):
    # 40 + 30 + 20 + 20 = 110
    errors = policy_validate(_data(draft, weight_complaints=20))
    assert errors == {"weight_mystery": ["四个维度的权重之和应为 100，现为 110"]}


def test_grade_bands_out_of_order_are_refused(draft):
    errors = policy_validate(_data(draft, grade_b_min=95))
    assert errors["grade_b_min"] == ["等级下限须依次递减：A 级 > B 级 > C 级 > 0"]


def test_veto_cap_must_stay_below_the_pass_line(draft):
    assert "veto_cap" in policy_validate(_data(draft, veto_cap=75))


def test_the_city_escalation_delay_must_be_at_least_one_day(draft):
    assert policy_validate(_data(draft, city_escalation_after_days=1)) == {}
    errors = policy_validate(_data(draft, city_escalation_after_days=0))
    assert errors == {"city_escalation_after_days": ["逾期升级地市天数须至少为 1 天"]}


def test_hq_hears_of_an_overdue_rectification_only_after_the_city(draft):
    assert policy_validate(_data(draft, city_escalation_after_days=3, hq_escalation_after_days=4)) == {}
    errors = policy_validate(_data(draft, city_escalation_after_days=3, hq_escalation_after_days=3))
    assert errors == {"hq_escalation_after_days": ["逾期升级省公司天数须大于逾期升级地市天数"]}


def test_the_database_refuses_a_policy_that_escalates_to_hq_before_the_city(draft):
    from django.db import IntegrityError, transaction

    draft.city_escalation_after_days, draft.hq_escalation_after_days = 5, 5
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()


def test_an_update_against_a_stale_version_is_refused_and_nothing_is_saved(draft):
    read_version = draft.lock_version
    policy_update(policy=draft, data=_data(draft, bonus_cap=4), lock_version=read_version)
    with pytest.raises(ApplicationError, match="该规则已被他人修改"):
        policy_update(policy=draft, data=_data(draft, bonus_cap=3), lock_version=read_version)
    draft.refresh_from_db()
    assert draft.bonus_cap == Decimal("4.00") and draft.lock_version == read_version + 1


def test_an_invalid_update_is_refused_with_field_errors_and_nothing_is_saved(draft):
    with pytest.raises(ApplicationError) as caught:
        policy_update(policy=draft, data=_data(draft, weight_mystery=50), lock_version=draft.lock_version)
    assert "weight_mystery" in caught.value.field_errors
    draft.refresh_from_db()
    assert draft.weight_mystery == Decimal("40.00")


def test_activating_a_draft_puts_it_in_force_from_its_month_only(draft):
    policy_activate(policy=draft, lock_version=draft.lock_version)
    assert policy_in_force(month=MAY) == GradingPolicy.objects.get(pk=draft.pk)
    assert policy_in_force(month=dt.date(2026, 4, 1)).version == 1
    assert GradingPolicy.objects.get(version=1).state == PolicyState.RETIRED
    with pytest.raises(ApplicationError, match="只有草稿状态"):
        policy_update(policy=GradingPolicy.objects.get(pk=draft.pk), data=_data(draft), lock_version=99)


def test_a_draft_cannot_start_before_the_policy_in_force(db):
    live, _ = default_policy_load()
    early = policy_draft_create(based_on=live, effective_from=dt.date(2024, 1, 1))
    with pytest.raises(ApplicationError, match="生效月份须晚于现行规则 v1"):
        policy_activate(policy=early, lock_version=early.lock_version)


def test_the_status_grouping_defaults_to_by_city_and_is_copied_into_a_draft(draft):
    assert draft.ranking_group == RankingGroup.CITY
    policy_update(policy=draft, data=_data(draft, ranking_group="city_kind"), lock_version=draft.lock_version)
    copy = policy_draft_create(based_on=draft, effective_from=dt.date(2026, 6, 1))
    assert copy.ranking_group == RankingGroup.CITY_KIND


def test_an_unknown_status_grouping_is_refused_and_nothing_is_saved(draft):
    assert policy_validate(_data(draft, ranking_group="district")) == {
        "ranking_group": ["未知的状态评定分组：district"]
    }
    with pytest.raises(ApplicationError) as caught:
        policy_update(policy=draft, data=_data(draft, ranking_group="district"), lock_version=draft.lock_version)
    assert "ranking_group" in caught.value.field_errors
    draft.refresh_from_db()
    assert draft.ranking_group == RankingGroup.CITY


def test_the_database_refuses_an_unknown_status_grouping(draft):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        GradingPolicy.objects.filter(pk=draft.pk).update(ranking_group="district")
