from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from halls.forms import MonthField
from halls.models import MarketingUnit


class BonusPoolForm(forms.Form):
    marketing_unit = forms.ModelChoiceField(label=_("营销单元"), queryset=MarketingUnit.objects.select_related("city"))
    month = MonthField(label=_("月份"))
    amount = forms.DecimalField(label=_("酬金池金额（元）"), min_value=Decimal("0"), max_digits=14, decimal_places=2)


class SplitRunForm(forms.Form):
    month = MonthField(label=_("月份"))
    reason = forms.CharField(
        label=_("重新分配原因"),
        max_length=500,
        required=False,
        help_text=_("已审批的月份因重新评定而重新分配时必填"),
    )
