"""Satisfaction pages: the driver analysis (改善因子分析) of a city's month."""

from __future__ import annotations

from django.views.generic import TemplateView

from halls.mixins import RoleRequiredMixin
from halls.models import Role
from scoring.report_forms import CityMonthForm
from scoring.selectors.satisfaction import (
    CONFIDENCE,
    JOINT_MIN_HALLS,
    SIMPLE_MIN_HALLS,
    satisfaction_drivers,
    survey_cities,
    survey_months,
)


class SatisfactionDriversView(RoleRequiredMixin, TemplateView):
    """HQ for any city, a city company (地市客服) for its own: which dimensions move the index across halls."""

    allowed_roles = (Role.HQ, Role.CITY_MANAGER)
    template_name = "scoring/satisfaction_drivers.html"

    def get_context_data(self, **kwargs):
        cities = survey_cities(scope=self.scope)
        form = CityMonthForm(self.request.GET or None, cities=cities, months=survey_months(scope=self.scope))
        city_id, month = form.values()
        ready = city_id is not None and month is not None
        analysis = satisfaction_drivers(city_id=city_id, month=month) if ready else None
        chart = None
        if analysis is not None and analysis.simple:
            chart = {
                "categories": [row["name"] for row in analysis.simple],
                "series": [{"name": "r", "data": [row["r"] for row in analysis.simple]}],
            }
        return super().get_context_data(
            form=form,
            city_name=dict(cities).get(city_id, ""),
            month=month,
            analysis=analysis,
            chart=chart,
            confidence=int(CONFIDENCE * 100),
            joint_min=JOINT_MIN_HALLS,
            simple_min=SIMPLE_MIN_HALLS,
            **kwargs,
        )


satisfaction_drivers_view = SatisfactionDriversView.as_view()
