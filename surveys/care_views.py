"""Pages of the complaint care list (投诉客户关怀): everyone sees the cases of his scope with the number masked;
the hall manager calls his hall's customers, asks for the full number (each showing recorded) and records
the outcome."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from halls.errors import ApplicationError
from halls.mixins import RoleRequiredMixin
from halls.models import Role
from surveys.forms import ComplaintCareForm
from surveys.models import CareState
from surveys.selectors import complaint_care_get, complaint_care_list, phone_mask
from surveys.services.care import complaint_care_update, complaint_phone_reveal


class ComplaintCareListView(RoleRequiredMixin, ListView):
    template_name = "surveys/complaintcare_list.html"
    paginate_by = 50
    context_object_name = "cases"

    def get_queryset(self):
        state = self.request.GET.get("state")
        return complaint_care_list(user=self.request.user, state=state if state in CareState.values else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(states=CareState.choices, current_state=self.request.GET.get("state", ""))
        return context


class ComplaintCareUpdateView(RoleRequiredMixin, TemplateView):
    """The hall manager's call back: POST ``reveal`` shows the full number (recorded), any other POST saves."""

    allowed_roles = (Role.HALL_MANAGER,)
    template_name = "surveys/complaintcare_update.html"

    def get_context_data(self, form=None, phone=None, **kwargs):
        context = super().get_context_data(**kwargs)
        care = complaint_care_get(user=self.request.user, pk=kwargs["pk"])
        context.update(
            care=care,
            form=form or ComplaintCareForm(instance=care),
            phone=phone or phone_mask(care.complaint.customer_phone),
            revealed=phone is not None,
            views=care.phone_views.select_related("user")[:20],
        )
        return context

    def post(self, request, pk: int):
        care = complaint_care_get(user=request.user, pk=pk)
        if "reveal" in request.POST:
            try:
                phone = complaint_phone_reveal(care_id=care.pk, user=request.user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("surveys:care_list")
            return self.render_to_response(self.get_context_data(phone=phone, pk=pk))
        form = ComplaintCareForm(request.POST, instance=care)
        if form.is_valid():
            try:
                complaint_care_update(
                    care_id=care.pk,
                    user=request.user,
                    state=form.cleaned_data["state"],
                    outcome=form.cleaned_data["outcome"],
                )
            except ApplicationError as exc:
                for field, errors in exc.field_errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.field_errors:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("回访情况已保存"))
                return redirect("surveys:care_list")
        return self.render_to_response(self.get_context_data(form=form, pk=pk), status=400)


care_list_view = ComplaintCareListView.as_view()
care_update_view = ComplaintCareUpdateView.as_view()
