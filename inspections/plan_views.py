"""Pages of the monthly inspection plans: the plans of a month, a district's plan (which the district edits),
and the plans' compliance for HQ and the cities."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from halls.errors import ApplicationError
from halls.mixins import DISTRICT_LEVEL_ROLES, RoleRequiredMixin
from halls.models import Role
from halls.months import month_start
from inspections.forms import PlanLineForm, PlanMonthForm
from inspections.plan_selectors import plan_compliance, plan_get, plan_hall_statuses, plan_lines, plan_list
from inspections.services.plans import plan_inspectors, plan_line_update

PLAN_ROLES = (Role.HQ, *DISTRICT_LEVEL_ROLES)


def _month(request):
    form = PlanMonthForm(request.GET or None)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    return form, month or month_start(timezone.localdate())


class PlanListView(RoleRequiredMixin, TemplateView):
    """The month's plans of the districts in the reader's scope, with their progress."""

    allowed_roles = PLAN_ROLES
    template_name = "inspections/inspectionplan_list.html"

    def get_context_data(self, **kwargs):
        form, month = _month(self.request)
        return super().get_context_data(month_form=form, month=month, plans=plan_list(scope=self.scope, month=month))


class PlanDetailView(RoleRequiredMixin, TemplateView):
    """A district's plan for a month, line by line; the district (or its city) reassigns and reschedules."""

    allowed_roles = PLAN_ROLES
    template_name = "inspections/inspectionplan_detail.html"

    def _plan(self):
        return plan_get(scope=self.scope, pk=self.kwargs["pk"])

    def get_context_data(self, form=None, **kwargs):
        plan = self._plan()
        inspectors = plan_inspectors(district_id=plan.district_id)
        return super().get_context_data(
            plan=plan,
            lines=plan_lines(plan=plan),
            statuses=plan_hall_statuses(plan=plan),
            inspectors=inspectors,
            can_edit=self.scope.manages_districts,
            form=form or PlanLineForm(inspectors=inspectors),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        plan = self._plan()
        if not self.scope.manages_districts:
            raise PermissionDenied
        form = PlanLineForm(request.POST, inspectors=plan_inspectors(district_id=plan.district_id))
        if form.is_valid():
            inspector = form.cleaned_data["inspector"]
            try:
                plan_line_update(
                    scope=self.scope,
                    line_id=form.cleaned_data["line"],
                    inspector_id=inspector.pk if inspector else None,
                    due_date=form.cleaned_data["due_date"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("计划已更新"))
                return redirect("inspections:plan_detail", pk=plan.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PlanComplianceView(RoleRequiredMixin, TemplateView):
    """For HQ and the city companies: the plans kept per district and city, this month and the six before."""

    allowed_roles = (Role.HQ, Role.CITY_MANAGER)
    template_name = "inspections/plan_compliance.html"

    def get_context_data(self, **kwargs):
        form, month = _month(self.request)
        return super().get_context_data(
            month_form=form, compliance=plan_compliance(scope=self.scope, month=month), **kwargs
        )


plan_list_view = PlanListView.as_view()
plan_detail_view = PlanDetailView.as_view()
plan_compliance_view = PlanComplianceView.as_view()
