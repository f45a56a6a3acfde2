"""The filters of the report pages. Choices come from the user's scope, so another city's district or a
month he may not see is an invalid choice, reported beside its field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from halls.models import HallKind
from halls.months import month_parse
from scoring.selectors.complaints import ComplaintFilter
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


class IdChoiceBoundField(forms.BoundField):
    @property
    def selected(self) -> str:
        """The option the page shows selected: the value asked for when it is one of the choices, else ""
        (the template's 全部). Bounded by the choices, so it may name a cached fragment."""
        value = self.value()
        return value if any(str(pk) == value for pk, _name in self.field.choices) else ""


class IdChoiceField(forms.Field):
    """An id among ``choices`` ((id, name) pairs the page has loaded anyway), read as ModelChoiceField reads
    a primary key (``int()`` of the value, the same message when it is not one of them) but without a query."""

    default_error_messages = forms.ModelChoiceField.default_error_messages

    def __init__(self, *, choices=(), **kwargs):
        super().__init__(**kwargs)
        self.choices = list(choices)

    def get_bound_field(self, form, field_name):
        return IdChoiceBoundField(form, self, field_name)

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        ProhibitNullCharactersValidator()(value)
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = None
        if pk is None or pk not in {choice for choice, _name in self.choices}:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return pk


class RankingFilterForm(MonthForm):
    city = IdChoiceField(label=_("地市"), required=False)
    district = IdChoiceField(label=_("区县"), required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部"))] + HallKind.choices, required=False)
    sort = forms.ChoiceField(choices=[(key, key) for key in RANKING_SORTS], required=False, widget=forms.HiddenInput)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = choices.cities
        self.fields["district"].choices = choices.districts
        self.choices_version = choices.version

    def criteria(self, *, default_month) -> RankingFilter:
        """The valid filters; a field in error is left out (and shown in error beside it)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not self.is_valid():
            data = {key: value for key, value in self.cleaned_data.items() if key not in self.errors}
        month = month_parse(data["month"]) if data.get("month") else default_month
        return RankingFilter(
            month=month,
            city_id=data.get("city"),
            district_id=data.get("district"),
            kind=data.get("kind") or "",
            sort=data.get("sort") or "rank",
        )

    def render_key(self, *, shown_month) -> str | None:
        """What the rendered filters depend on, for the template's fragment cache (the language aside): the
        choices, the month shown when none is asked for, and the options selected. None when a field is in
        error: its message and the value echoed back are the user's own, not to be cached."""
        if self.errors:
            return None
        months = ".".join(value for value, _label in self.fields["month"].choices)
        month = self["month"].value() or ""
        selected = [month, self["city"].selected, self["district"].selected, repr(self["kind"].value())]
        sort = self["sort"].value() or ""
        shown = f"{shown_month:%Y-%m}" if shown_month else ""
        return f"{months}:{self.choices_version}:{shown}:{':'.join(selected)}:{sort}"


class StaffMonthForm(forms.Form):
    month = forms.ChoiceField(label=_("月份"), required=False)
    unit = forms.TypedChoiceField(label=_("营销单元"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, months=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]
        self.fields["unit"].choices = [(unit.pk, unit.name) for unit in units]
        self.months, self.units = list(months), list(units)

    def chosen(self):
        """The month and unit asked for when they are among the choices, else the newest month and first unit."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        month = month_parse(data["month"]) if data.get("month") else (self.months[0] if self.months else None)
        unit = next((u for u in self.units if u.pk == data.get("unit")), self.units[0] if self.units else None)
        return month, unit


class CityMonthForm(forms.Form):
    """A city among the user's and a month; without a valid choice, the first city and the newest month."""

    city = forms.TypedChoiceField(label=_("地市"), coerce=int, required=False)
    month = forms.ChoiceField(label=_("月份"), required=False)

    def __init__(self, *args, cities=(), months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.cities = list(cities)
        self.months = list(months)
        self.fields["city"].choices = [(pk, name) for pk, name in self.cities]
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in self.months]

    def values(self):
        city_id = self.cities[0][0] if self.cities else None
        month = self.months[0] if self.months else None
        if self.is_bound and self.is_valid():
            city_id = self.cleaned_data.get("city") or city_id
            if self.cleaned_data.get("month"):
                month = month_parse(self.cleaned_data["month"])
        return city_id, month


class ComplaintFilterForm(forms.Form):
    """The complaint analysis's month and, for the drill-down, a city, district, category or channel."""

    month = forms.ChoiceField(label=_("月份"), required=False)
    city = forms.TypedChoiceField(label=_("地市"), coerce=int, required=False, empty_value=None)
    district = forms.TypedChoiceField(label=_("区县"), coerce=int, required=False, empty_value=None)
    category = forms.CharField(label=_("类别"), max_length=64, required=False)
    channel = forms.CharField(label=_("渠道"), max_length=32, required=False)

    def __init__(self, *args, months=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.months = list(months)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in self.months]
        cities = {d.city_id: d.city.name for d in districts}
        self.fields["city"].choices = [("", _("全部")), *sorted(cities.items(), key=lambda c: c[1])]
        self.fields["district"].choices = [("", _("全部")), *[(d.pk, d.name) for d in districts]]

    def criteria(self):
        """The filter asked for, or the newest month alone when nothing (valid) was asked; None without months."""
        if not self.months:
            return None
        if not (self.is_bound and self.is_valid()):
            return ComplaintFilter(month=self.months[0])
        data = self.cleaned_data
        month = month_parse(data["month"]) if data.get("month") else self.months[0]
        return ComplaintFilter(
            month=month,
            city_id=data.get("city"),
            district_id=data.get("district"),
            category=data.get("category", "").strip(),
            channel=data.get("channel", "").strip(),
        )
