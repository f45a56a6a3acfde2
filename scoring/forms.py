"""Forms for grading: the policy HQ edits, starting a run, a what-if."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from halls.forms import MonthField
from inspections.models import IndicatorScheme, SchemeState
from scoring.models import GradingPolicy, PolicyState
from scoring.services.policy import POLICY_FIELDS, policy_validate


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
