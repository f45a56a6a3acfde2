from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from halls.models import CityCompany, DistrictCompany, Hall, HallKind, MarketingUnit


class HallFilter(django_filters.FilterSet):
    """Search and filters for the hall list. Choices are limited to what the user's scope covers."""

    q = django_filters.CharFilter(label=_("搜索"), method="search")
    city = django_filters.ModelChoiceFilter(
        label=_("地市"), field_name="district__city", queryset=CityCompany.objects.none()
    )
    district = django_filters.ModelChoiceFilter(label=_("区县"), queryset=DistrictCompany.objects.none())
    marketing_unit = django_filters.ModelChoiceFilter(label=_("营销单元"), queryset=MarketingUnit.objects.none())
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=HallKind.choices)

    class Meta:
        model = Hall
        fields = ["q", "city", "district", "marketing_unit", "kind"]

    def __init__(self, *args, halls=None, **kwargs):
        super().__init__(*args, **kwargs)
        halls = halls if halls is not None else self.queryset
        self.filters["city"].queryset = CityCompany.objects.filter(districts__halls__in=halls).distinct()
        self.filters["district"].queryset = DistrictCompany.objects.filter(halls__in=halls).distinct()
        self.filters["marketing_unit"].queryset = MarketingUnit.objects.filter(halls__in=halls).distinct()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(address__icontains=value))
