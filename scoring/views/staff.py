"""Staff accountability pages: the clerks' ranking within a marketing unit (and their hall), and the bottom-ranked
list for review (末位). The staff archive, which shows bonus amounts, is served by incentives."""

from __future__ import annotations

from django.utils import timezone
from django.views.generic import TemplateView

from halls.mixins import RoleRequiredMixin
from halls.selectors import policy_in_force
from scoring.report_forms import StaffMonthForm
from scoring.selectors.staff import (
    staff_bottom_list,
    staff_month_choices,
    staff_unit_ranking,
    units_in_scope,
)


class StaffPageMixin(RoleRequiredMixin):
    def criteria(self):
        months = staff_month_choices(scope=self.scope, today=timezone.localdate())
        units = list(units_in_scope(scope=self.scope).order_by("code"))
        form = StaffMonthForm(self.request.GET or None, months=months, units=units)
        month, unit = form.chosen()
        policy = policy_in_force(month=month) if month else None
        return form, month, unit, policy


class StaffRankingView(StaffPageMixin, TemplateView):
    """A unit's clerks ranked on the month; each reader sees the rows of his own halls, with their places among
    all the unit's clerks."""

    template_name = "halls/staff_ranking.html"

    def get_context_data(self, **kwargs):
        form, month, unit, policy = self.criteria()
        rows = staff_unit_ranking(scope=self.scope, unit=unit, month=month) if month and unit else []
        return super().get_context_data(form=form, month=month, unit=unit, policy=policy, rows=rows, **kwargs)


class StaffBottomListView(StaffPageMixin, TemplateView):
    """The month's bottom-ranked clerks of every unit the reader's halls belong to, for review."""

    template_name = "halls/staff_bottom.html"

    def get_context_data(self, **kwargs):
        form, month, _unit, policy = self.criteria()
        rows = staff_bottom_list(scope=self.scope, month=month) if month else []
        return super().get_context_data(form=form, month=month, policy=policy, rows=rows, **kwargs)


staff_ranking_view = StaffRankingView.as_view()
staff_bottom_view = StaffBottomListView.as_view()
