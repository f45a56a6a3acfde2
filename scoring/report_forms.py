"""The filters of the report pages. Choices come from the user's scope, so another city's district or a
month he may not see is an invalid choice, reported beside its field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from halls.models import HallKind
from halls.months import month_parse
from scoring.selectors.reports import RANKING_SORTS, RankingFilter


class MonthForm(forms.Form):
    month = forms.ChoiceField(label=_("月份"), required=False)

    def __init__(self, *args, months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]

    def month_value(self):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("month"):
            return month_parse(self.cleaned_data["month"])
        return None


class RankingFilterForm(MonthForm):
    city = forms.ModelChoiceField(label=_("地市"), queryset=None, required=False)
    district = forms.ModelChoiceField(label=_("区县"), queryset=None, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部"))] + HallKind.choices, required=False)
    sort = forms.ChoiceField(choices=[(key, key) for key in RANKING_SORTS], required=False, widget=forms.HiddenInput)

    def __init__(self, *args, cities, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities
        self.fields["district"].queryset = districts

    def criteria(self, *, default_month) -> RankingFilter:
        """The valid filters; a field in error is left out (and shown in error beside it)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not self.is_valid():
            data = {key: value for key, value in self.cleaned_data.items() if key not in self.errors}
        month = month_parse(data["month"]) if data.get("month") else default_month
        return RankingFilter(
            month=month,
            city_id=data["city"].pk if data.get("city") else None,
            district_id=data["district"].pk if data.get("district") else None,
            kind=data.get("kind") or "",
            sort=data.get("sort") or "rank",
        )
