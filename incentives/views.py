from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from halls.errors import ApplicationError
from halls.jobs import BrokerUnavailable
from halls.mixins import RoleRequiredMixin
from halls.models import Role
from halls.months import month_add, month_label, month_parse, month_start
from incentives.exports import split_workbook
from incentives.forms import BonusPoolForm, SplitRunForm
from incentives.models import SplitState
from incentives.selectors import (
    hall_bonus_get,
    hall_staff_bonuses,
    month_is_frozen,
    pool_table,
    split_get,
    split_halls,
    split_list,
    split_staff,
    split_units,
    staff_amounts_visible,
)
from incentives.services import bonus_pool_set, bonus_split_approve, split_bonus_start

HQ_ONLY = (Role.HQ,)


def _add_service_errors(form, exc: ApplicationError) -> None:
    """A service's error beside the field it names, or above the form."""
    for field, errors in exc.field_errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.field_errors:
        form.add_error(None, exc.message)


class PoolListView(RoleRequiredMixin, FormView):
    """HQ enters each unit's pool for a month."""

    allowed_roles = HQ_ONLY
    template_name = "incentives/bonuspool_list.html"
    form_class = BonusPoolForm

    def dispatch(self, request, *args, **kwargs):
        try:
            self.month = month_parse(request.GET["month"]) if request.GET.get("month") else None
        except ApplicationError:
            self.month = None
        self.month = self.month or month_start(timezone.localdate())
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"month": month_label(self.month)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(month=self.month, rows=pool_table(month=self.month), frozen=month_is_frozen(month=self.month))
        return context

    def form_valid(self, form):
        try:
            pool = bonus_pool_set(
                user=self.request.user,
                unit=form.cleaned_data["marketing_unit"],
                month=form.cleaned_data["month"],
                amount=form.cleaned_data["amount"],
            )
        except ApplicationError as exc:
            _add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存 %(unit)s 的酬金池。") % {"unit": pool.marketing_unit.name})
        return redirect(f"{reverse('incentives:pool_list')}?month={month_label(pool.month)}")


class SplitListView(RoleRequiredMixin, ListView):
    template_name = "incentives/bonussplit_list.html"
    context_object_name = "splits"
    paginate_by = 24

    def get_queryset(self):
        return split_list(user=self.request.user)


class SplitRunView(RoleRequiredMixin, FormView):
    """HQ starts a split of a published month; it runs as a background job and notifies when done."""

    allowed_roles = HQ_ONLY
    template_name = "incentives/bonussplit_form.html"
    form_class = SplitRunForm

    def get_initial(self):
        return {"month": month_label(month_add(month_start(timezone.localdate()), -1))}

    def form_valid(self, form):
        month, reason = form.cleaned_data["month"], form.cleaned_data["reason"]
        try:
            split_bonus_start(month=month, user=self.request.user, reason=reason)
        except BrokerUnavailable as exc:
            messages.error(self.request, exc.message)
            return self.form_invalid(form)
        except ApplicationError as exc:
            _add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("酬金分配已提交，完成后会通知您。"))
        return redirect("incentives:split_list")


class SplitDetailView(RoleRequiredMixin, DetailView):
    template_name = "incentives/bonussplit_detail.html"
    context_object_name = "split"

    def get_object(self, queryset=None):
        return split_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["units"] = split_units(user=user, split=self.object)
        context["halls"] = split_halls(user=user, split=self.object)
        context["can_approve"] = self.scope.is_hq and self.object.state == SplitState.DRAFT
        return context


class SplitStaffView(RoleRequiredMixin, ListView):
    """Every staff amount of a split, page by page: HQ only."""

    allowed_roles = HQ_ONLY
    template_name = "incentives/staffbonus_list.html"
    context_object_name = "staff_bonuses"
    paginate_by = 100

    def get_queryset(self):
        self.split = split_get(user=self.request.user, pk=self.kwargs["pk"])
        return split_staff(user=self.request.user, split=self.split)

    def get_context_data(self, **kwargs):
        return super().get_context_data(split=self.split, **kwargs)


class SplitApproveView(RoleRequiredMixin, View):
    allowed_roles = HQ_ONLY

    def post(self, request, pk: int):
        split = split_get(user=request.user, pk=pk)
        try:
            bonus_split_approve(split_id=split.pk, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("酬金分配已审批并冻结。"))
        return redirect("incentives:split_detail", pk=split.pk)


class SplitExportView(RoleRequiredMixin, View):
    """The halls and staff of a split as XLSX: staff amounts, so HQ only."""

    allowed_roles = HQ_ONLY

    def get(self, request, pk: int):
        split = split_get(user=request.user, pk=pk)
        content = split_workbook(
            split=split,
            units=list(split_units(user=request.user, split=split)),
            halls=list(split_halls(user=request.user, split=split)),
            staff=list(split_staff(user=request.user, split=split)),
        )
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        name = f"bonus-{split.month:%Y-%m}-r{split.revision}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class HallBonusDetailView(RoleRequiredMixin, DetailView):
    """A hall's amount and how it was computed; its staff amounts for HQ and that hall's manager only."""

    template_name = "incentives/hallbonus_detail.html"
    context_object_name = "hall_bonus"

    def get_object(self, queryset=None):
        return hall_bonus_get(user=self.request.user, split_pk=self.kwargs["pk"], hall_pk=self.kwargs["hall_pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["staff_visible"] = staff_amounts_visible(scope=self.scope, hall=self.object.hall)
        context["staff_bonuses"] = hall_staff_bonuses(user=self.request.user, hall_bonus=self.object)
        return context


pool_list_view = PoolListView.as_view()
split_list_view = SplitListView.as_view()
split_run_view = SplitRunView.as_view()
split_detail_view = SplitDetailView.as_view()
split_staff_view = SplitStaffView.as_view()
split_approve_view = SplitApproveView.as_view()
split_export_view = SplitExportView.as_view()
hall_bonus_detail_view = HallBonusDetailView.as_view()
