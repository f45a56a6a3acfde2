"""The grading policy as versioned data HQ edits: the default version, drafts, validation, activation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.errors import ApplicationError
from halls.models import ActivityRule
from scoring.models import GradingPolicy, PolicyState, RankingGroup

DEFAULT_POLICY_EFFECTIVE_FROM = dt.date(2025, 1, 1)

# The figures HQ edits (everything but identity, state and bookkeeping).
POLICY_FIELDS = (
    "effective_from",
    "weight_mystery",
    "weight_satisfaction",
    "weight_inspection",
    "weight_complaints",
    "complaint_penalty",
    "bonus_cap",
    "veto_cap",
    "grade_a_min",
    "grade_b_min",
    "grade_c_min",
    "top_share",
    "bottom_share",
    "consecutive_months",
    "improvement_threshold",
    "ranking_group",
    "remote_checks_scored",
    "satisfaction_warning_below",
    "satisfaction_warning_drop",
    "activity_rule",
    "activity_target_points",
    "activity_rule_points",
    "appeal_window_days",
    "rectification_due_days",
    "city_escalation_after_days",
    "hq_escalation_after_days",
    "staff_bottom_share",
    "staff_star_share",
    "staff_veto_penalty",
    "hq_repeat_every_days",
    "plan_overt_normal",
    "plan_overt_monitored",
    "plan_overt_supervised",
    "plan_remote_normal",
    "plan_remote_monitored",
    "plan_remote_supervised",
    "plan_team_visits_supervised",
    "plan_mystery_per_quarter",
    "warning_risk",
    "warning_min_cases",
)
STALE_MESSAGE = gettext_noop("该规则已被他人修改，请刷新页面后重新编辑")
NOT_DRAFT_MESSAGE = gettext_noop("只有草稿状态的评定规则可以修改或启用")


def default_policy_load() -> tuple[GradingPolicy, bool]:
    """The default grading policy (docs/rules/en.md) as version 1, unless a policy exists. Returns (policy, created)."""
    existing = GradingPolicy.objects.order_by("version").first()
    if existing is not None:
        return existing, False
    policy = GradingPolicy.objects.create(
        version=1, effective_from=DEFAULT_POLICY_EFFECTIVE_FROM, state=PolicyState.ACTIVE
    )
    return policy, True


def policy_validate(data: dict) -> dict[str, list[str]]:
    """Every reason ``data`` cannot be a grading policy, by field; empty when it is valid."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    weights = [data[f] for f in ("weight_mystery", "weight_satisfaction", "weight_inspection", "weight_complaints")]
    if any(w < 0 for w in weights):
        add("weight_mystery", _("权重不能为负数"))
    if sum(weights, Decimal("0")) != Decimal("100"):
        add(
            "weight_mystery",
            _("四个维度的权重之和应为 100，现为 %(total)s") % {"total": f"{sum(weights, Decimal('0')).normalize():f}"},
        )
    if not data["grade_a_min"] > data["grade_b_min"] > data["grade_c_min"] > 0:
        add("grade_b_min", _("等级下限须依次递减：A 级 > B 级 > C 级 > 0"))
    if data["grade_a_min"] > 100:
        add("grade_a_min", _("A 级下限不能超过 100"))
    if not Decimal("0") <= data["veto_cap"] < data["grade_c_min"]:
        add("veto_cap", _("一票否决封顶分须在 0 与 C 级下限之间（低于合格线）"))
    if not Decimal("0") <= data["bonus_cap"] <= Decimal("10"):
        add("bonus_cap", _("月度加分上限须在 0 到 10 之间"))
    if data["complaint_penalty"] < 0:
        add("complaint_penalty", _("每件属实投诉扣分不能为负数"))
    for field in ("top_share", "bottom_share", "staff_bottom_share", "staff_star_share"):
        if not Decimal("0") < data[field] <= Decimal("50"):
            add(field, _("比例须大于 0 且不超过 50"))
    if not 1 <= data["consecutive_months"] <= 12:
        add("consecutive_months", _("连续月数须在 1 到 12 之间"))
    if data["improvement_threshold"] < 0:
        add("improvement_threshold", _("改善幅度不能为负数"))
    if data["ranking_group"] not in RankingGroup.values:
        add("ranking_group", _("未知的状态评定分组：%(value)s") % {"value": data["ranking_group"]})
    if not Decimal("0") <= data["satisfaction_warning_below"] <= Decimal("100"):
        add("satisfaction_warning_below", _("满意度预警线须在 0 到 100 之间"))
    if data["satisfaction_warning_drop"] < 0:
        add("satisfaction_warning_drop", _("满意度环比下降预警不能为负数"))
    if data["activity_rule"] not in ActivityRule.values:
        add("activity_rule", _("未知的活动参与规则：%(value)s") % {"value": data["activity_rule"]})
    if data["activity_target_points"] < 0:
        add("activity_target_points", _("活动参与达标积分不能为负数"))
    if not Decimal("0") <= data["activity_rule_points"] <= Decimal("10"):
        add("activity_rule_points", _("活动参与加/扣分须在 0 到 10 之间"))
    if data["city_escalation_after_days"] < 1:
        add("city_escalation_after_days", _("逾期升级地市天数须至少为 1 天"))
    elif data["hq_escalation_after_days"] <= data["city_escalation_after_days"]:
        add("hq_escalation_after_days", _("逾期升级省公司天数须大于逾期升级地市天数"))
    if not Decimal("0") <= data["staff_veto_penalty"] <= Decimal("100"):
        add("staff_veto_penalty", _("营业员一票否决扣分须在 0 到 100 之间"))
    if data["hq_repeat_every_days"] < 1:
        add("hq_repeat_every_days", _("省公司重复预警间隔须至少为 1 天"))
    for field in (
        "plan_remote_normal",
        "plan_remote_monitored",
        "plan_remote_supervised",
        "plan_team_visits_supervised",
    ):
        if data[field] > 7:
            add(field, _("每周次数不能超过 7（每天一次）"))
    for field in ("plan_overt_normal", "plan_overt_monitored", "plan_overt_supervised"):
        if data[field] > 31:
            add(field, _("每月次数不能超过 31（每天一次）"))
    if not Decimal("0") < data.get("warning_risk", Decimal("50")) <= Decimal("100"):
        add("warning_risk", _("末位预警风险线须大于 0 且不超过 100"))
    if data.get("warning_min_cases", 5) < 1:
        add("warning_min_cases", _("末位预警最少先例数须至少为 1"))
    if data["effective_from"].day != 1:
        add("effective_from", _("生效月份须为某月第一天"))
    return errors


def _next_version() -> int:
    return (GradingPolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1


@transaction.atomic
def policy_draft_create(*, based_on: GradingPolicy, effective_from: dt.date, user=None) -> GradingPolicy:
    """A new draft version holding ``based_on``'s figures, to be edited and activated (or used for what-if)."""
    figures = model_to_dict(based_on, fields=POLICY_FIELDS)
    figures["effective_from"] = effective_from
    return GradingPolicy.objects.create(version=_next_version(), state=PolicyState.DRAFT, created_by=user, **figures)


@transaction.atomic
def policy_update(*, policy: GradingPolicy, data: dict, lock_version: int) -> GradingPolicy:
    """Save a draft's figures, unless someone saved it since ``lock_version`` was read (optimistic lock)."""
    if policy.state != PolicyState.DRAFT:
        raise ApplicationError(_(NOT_DRAFT_MESSAGE))
    errors = policy_validate(data)
    if errors:
        raise ApplicationError(_("评定规则未通过校验"), field_errors=errors)
    updated = GradingPolicy.objects.filter(pk=policy.pk, lock_version=lock_version, state=PolicyState.DRAFT).update(
        lock_version=F("lock_version") + 1, **{k: data[k] for k in POLICY_FIELDS}
    )
    if not updated:
        raise ApplicationError(_(STALE_MESSAGE))
    policy.refresh_from_db()
    return policy


@transaction.atomic
def policy_activate(*, policy: GradingPolicy, lock_version: int) -> GradingPolicy:
    """Put a draft in force from its effective month; the policy before it keeps governing earlier months."""
    locked = GradingPolicy.objects.select_for_update().get(pk=policy.pk)
    if locked.state != PolicyState.DRAFT:
        raise ApplicationError(_(NOT_DRAFT_MESSAGE))
    if locked.lock_version != lock_version:
        raise ApplicationError(_(STALE_MESSAGE))
    errors = policy_validate(model_to_dict(locked, fields=POLICY_FIELDS))
    if errors:
        raise ApplicationError(_("评定规则未通过校验"), field_errors=errors)
    latest = GradingPolicy.objects.exclude(state=PolicyState.DRAFT).order_by("-effective_from").first()
    if latest is not None and locked.effective_from <= latest.effective_from:
        raise ApplicationError(
            _("生效月份须晚于现行规则 v%(version)s 的生效月份 %(month)s")
            % {"version": latest.version, "month": f"{latest.effective_from:%Y-%m}"},
            field_errors={"effective_from": [_("生效月份须晚于现行规则")]},
        )
    GradingPolicy.objects.filter(state=PolicyState.ACTIVE).update(state=PolicyState.RETIRED)
    locked.state = PolicyState.ACTIVE
    locked.lock_version += 1
    locked.save(update_fields=["state", "lock_version"])
    return locked
