"""Forms for grading: the policy HQ edits, starting a run, a what-if."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from halls.forms import MonthField
from halls.months import FUTURE_MONTH, month_current, month_label
from inspections.models import IndicatorScheme, SchemeState
from scoring.models import GradingPolicy, PolicyState
from scoring.services.policy import POLICY_FIELDS, policy_validate

CURRENT_MONTH_PARTIAL = _(
    "{month} 是当前月份，尚未结束，数据不完整：评定结果只反映截至今天的数据。确认要评定请勾选上面的确认框"
)


class GradingPolicyForm(forms.ModelForm):
    effective_from = MonthField(label=_("生效月份"))
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = GradingPolicy
        fields = list(POLICY_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if any(field in self.errors for field in POLICY_FIELDS):
            return cleaned
        for field, messages in policy_validate(cleaned).items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


class PolicyDraftForm(forms.Form):
    effective_from = MonthField(label=_("生效月份"))


class GradingStartForm(forms.Form):
    month = MonthField(label=_("评定月份"))
    reason = forms.CharField(label=_("重评原因"), max_length=500, required=False, help_text=_("已发布月份重评时必填"))
    partial = forms.BooleanField(
        label=_("确认评定当月：本月尚未结束，数据不完整"),
        required=False,
        help_text=_("评定当前月份时必须勾选；结果只反映截至今天已录入的数据"),
    )

    def clean(self):
        cleaned = super().clean()
        month = cleaned.get("month")
        if month is None:
            return cleaned
        if month > month_current():
            self.add_error("month", _(FUTURE_MONTH).format(month=month_label(month)))
        elif month == month_current() and not cleaned.get("partial"):
            self.add_error("partial", CURRENT_MONTH_PARTIAL.format(month=month_label(month)))
        return cleaned


class WhatIfForm(forms.Form):
    month = MonthField(label=_("评定月份"))
    policy = forms.ModelChoiceField(
        label=_("草稿评定规则"), queryset=GradingPolicy.objects.filter(state=PolicyState.DRAFT), required=False
    )
    scheme = forms.ModelChoiceField(
        label=_("草稿指标体系"), queryset=IndicatorScheme.objects.filter(state=SchemeState.DRAFT), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("policy") and not cleaned.get("scheme"):
            raise forms.ValidationError(_("模拟评定须选择一个草稿评定规则或草稿指标体系"))
        return cleaned
