from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from halls.errors import ApplicationError
from halls.mixins import DISTRICT_LEVEL_ROLES, RoleRequiredMixin
from halls.models import Role
from halls.selectors import hall_get
from inspections.forms import (
    AppealDecisionForm,
    AppealForm,
    CoachingSearchForm,
    CoachingVisitForm,
    InspectionFilterForm,
    InspectionStartForm,
    RectificationFixForm,
    RectificationReviewForm,
    inspection_entry_form,
)
from inspections.models import AppealState, IndicatorKind, InspectionKind, InspectionState, RectificationState
from inspections.plan_selectors import look_back_items
from inspections.selectors import (
    appeal_get,
    appeal_list,
    check_templates_in_force,
    coaching_list,
    inspection_audit,
    inspection_get,
    inspection_list,
    inspection_rows,
    item_get,
    notification_list,
    photo_get,
    rectification_get,
    rectification_list,
    scheme_list,
    scheme_templates,
    scheme_tree,
)
from inspections.services.appeals import (
    appeal_deadline,
    appeal_decide,
    appeal_file,
    appeal_options_mark,
    appeal_refusal_for,
)
from inspections.services.coaching import coaching_visit_record, look_back_open, look_back_verify
from inspections.services.entry import inspection_save, inspection_start
from inspections.services.notifications import notifications_mark_read
from inspections.services.rectification import rectification_fix, rectification_review

MANAGERS = (Role.HQ, *DISTRICT_LEVEL_ROLES)


def form_errors_apply(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's errors beside the fields they concern; the rest above the form."""
    placed = False
    for name, errors in exc.field_errors.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
            placed = True
    if not placed or any(name not in form.fields for name in exc.field_errors):
        form.add_error(None, exc.message)
    elif exc.message not in form.non_field_errors():
        form.add_error(None, exc.message)


class LoadMixin:
    """Loads the view's object through scope after RoleRequiredMixin has checked login and role, so a
    wrong role answers 403 and an object outside the scope 404."""

    def load(self, request, **kwargs):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        response = self.load(request, **kwargs)
        return response or super().dispatch(request, *args, **kwargs)


# --- Indicator schemes -------------------------------------------------------------------------------


class SchemeListView(RoleRequiredMixin, ListView):
    template_name = "inspections/scheme_list.html"
    context_object_name = "schemes"

    def get_queryset(self):
        return scheme_list()


class SchemeDetailView(RoleRequiredMixin, DetailView):
    """The tree of one scheme version, read-only, for every role."""

    template_name = "inspections/scheme_detail.html"
    context_object_name = "scheme"

    def get_object(self, queryset=None):
        return get_object_or_404(scheme_list(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tree"] = scheme_tree(scheme=self.object)
        context["templates"] = scheme_templates(scheme=self.object)
        return context


# --- Inspections -------------------------------------------------------------------------------------


class InspectionListView(RoleRequiredMixin, ListView):
    template_name = "inspections/inspection_list.html"
    context_object_name = "inspections"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = InspectionFilterForm(self.request.GET or None)
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return inspection_list(user=self.request.user, **{k: v for k, v in filters.items() if v})

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(filter_form=self.filter_form, query_string=query.urlencode(), **kwargs)


class InspectionStartView(RoleRequiredMixin, LoadMixin, FormView):
    """A district or city manager starts an inspection of a hall of his districts or cities."""

    allowed_roles = DISTRICT_LEVEL_ROLES
    template_name = "inspections/inspection_start.html"
    form_class = InspectionStartForm

    def load(self, request, **kwargs):
        self.hall = hall_get(user=request.user, pk=kwargs["hall_pk"])

    def get_initial(self):
        # Today's work opens this page for a planned check: ?kind=remote starts a remote patrol.
        kind = self.request.GET.get("kind")
        return {
            "kind": kind if kind in InspectionKind.values else "overt",
            "inspected_at": timezone.localtime().replace(second=0, microsecond=0),
        }

    def get_form_kwargs(self):
        # Templates are offered by code from today's tree; the service finds the one of the inspection's day.
        return {**super().get_form_kwargs(), "templates": check_templates_in_force(on=timezone.localdate())}

    def get_context_data(self, **kwargs):
        return super().get_context_data(hall=self.hall, **kwargs)

    def form_valid(self, form):
        try:
            inspection = inspection_start(user=self.request.user, hall=self.hall, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_apply(form, exc)
            return self.form_invalid(form)
        return redirect("inspections:edit", pk=inspection.pk)


class InspectionEditView(RoleRequiredMixin, LoadMixin, FormView):
    """The entry page: the tree in force, item by item; save as draft or submit."""

    allowed_roles = DISTRICT_LEVEL_ROLES
    template_name = "inspections/inspection_edit.html"

    def load(self, request, **kwargs):
        self.inspection = inspection_get(user=request.user, pk=kwargs["pk"])
        # A POST against an inspection submitted meanwhile is answered by the service's error beside the
        # user's own input (redisplayed, nothing lost), not by a redirect that would drop what they typed.
        if self.inspection.state != InspectionState.DRAFT and request.method != "POST":
            messages.info(request, _("该检查已提交，不能再修改"))
            return redirect("inspections:detail", pk=self.inspection.pk)
        return None

    def get_form(self, form_class=None):
        return inspection_entry_form(inspection=self.inspection, **self.get_form_kwargs())

    def get_initial(self):
        initial = {"lock_version": self.inspection.lock_version, "note": self.inspection.note}
        if self.request.method == "POST":  # a posted form shows what was posted: the items are not read
            return initial
        for item in self.inspection.items.all():
            pk = item.indicator_id
            initial.update(
                {
                    f"points_{pk}": item.points,
                    f"na_{pk}": item.not_applicable,
                    f"veto_{pk}": True,
                    f"note_{pk}": item.note,
                    f"staff_{pk}": item.staff_id,
                }
            )
        return initial

    def get_context_data(self, **kwargs):
        scored, special = inspection_rows(inspection=self.inspection)
        return super().get_context_data(inspection=self.inspection, scored=scored, special=special, **kwargs)

    def form_valid(self, form):
        submit = "submit" in self.request.POST
        try:
            inspection_save(
                inspection_id=self.inspection.pk,
                user=self.request.user,
                lock_version=form.cleaned_data["lock_version"],
                entries=form.entries(),
                submit=submit,
                note=form.cleaned_data["note"],
                submit_key=form.cleaned_data["submit_key"],
            )
        except ApplicationError as exc:
            form_errors_apply(form, exc)
            return self.form_invalid(form)
        if submit:
            messages.success(self.request, _("检查已提交"))
            return redirect("inspections:detail", pk=self.inspection.pk)
        messages.success(self.request, _("草稿已保存"))
        return redirect("inspections:edit", pk=self.inspection.pk)


class InspectionDetailView(RoleRequiredMixin, DetailView):
    template_name = "inspections/inspection_detail.html"
    context_object_name = "inspection"

    def get_object(self, queryset=None):
        return inspection_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scored"], context["special"] = inspection_rows(inspection=self.object)
        if self.scope.is_hall_manager:
            appeal_options_mark(inspection=self.object, rows=context["scored"] + context["special"])
        if self.scope.is_hq:
            context["audit"] = inspection_audit(inspection=self.object)
        return context


class PhotoView(RoleRequiredMixin, View):
    """Photos are streamed only to users whose scope includes the hall (404 for anyone else)."""

    def get(self, request, *args, **kwargs):
        photo = photo_get(user=request.user, pk=kwargs["pk"])
        response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response


# --- Rectifications ----------------------------------------------------------------------------------


class RectificationListView(RoleRequiredMixin, ListView):
    template_name = "inspections/rectification_list.html"
    context_object_name = "rectifications"
    paginate_by = 50

    def get_queryset(self):
        state = self.request.GET.get("state", "")
        state = state if state in RectificationState.values else ""
        overdue = self.request.GET.get("overdue") == "1"
        return rectification_list(user=self.request.user, state=state, overdue=overdue, today=timezone.localdate())

    def get_context_data(self, **kwargs):
        return super().get_context_data(states=RectificationState.choices, today=timezone.localdate(), **kwargs)


class RectificationDetailView(RoleRequiredMixin, LoadMixin, TemplateView):
    """The hall manager answers (fix); the district manager or HQ verifies or reopens."""

    template_name = "inspections/rectification_detail.html"

    def load(self, request, **kwargs):
        self.rectification = rectification_get(user=request.user, pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(rectification=self.rectification, **kwargs)
        if self.scope.is_hall_manager and self.rectification.state in ("open", "reopened"):
            context.setdefault("fix_form", RectificationFixForm())
        if self.scope.role in MANAGERS and self.rectification.state == RectificationState.FIXED:
            context.setdefault("review_form", RectificationReviewForm())
        return context

    def post(self, request, *args, **kwargs):
        if self.scope.is_hall_manager:
            form, key = RectificationFixForm(request.POST, request.FILES), "fix_form"
        else:
            form, key = RectificationReviewForm(request.POST), "review_form"
        if form.is_valid():
            try:
                if self.scope.is_hall_manager:
                    rectification_fix(
                        rectification_id=self.rectification.pk,
                        user=request.user,
                        note=form.cleaned_data["fix_note"],
                        photos=form.cleaned_data["photos"],
                    )
                else:
                    rectification_review(
                        rectification_id=self.rectification.pk,
                        user=request.user,
                        accept=form.cleaned_data["decision"] == "verify",
                        note=form.cleaned_data["review_note"],
                    )
            except ApplicationError as exc:
                form_errors_apply(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("inspections:rectification_detail", pk=self.rectification.pk)
        return self.render_to_response(self.get_context_data(**{key: form}), status=400)


# --- Appeals -----------------------------------------------------------------------------------------


class AppealCreateView(RoleRequiredMixin, LoadMixin, FormView):
    allowed_roles = (Role.HALL_MANAGER,)
    template_name = "inspections/appeal_form.html"
    form_class = AppealForm

    def load(self, request, **kwargs):
        self.item = item_get(user=request.user, pk=kwargs["item_pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "veto": self.item.indicator.kind == IndicatorKind.VETO}

    def get_context_data(self, **kwargs):
        deadline = appeal_deadline(item=self.item) if self.item.inspection.submitted_at else None
        # An item that cannot be appealed gets the reason instead of a form (a posted form gets the service's
        # error beside what was typed).
        refusal = appeal_refusal_for(item=self.item) if self.request.method == "GET" else None
        return super().get_context_data(item=self.item, deadline=deadline, refusal=refusal, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            appeal_file(
                user=self.request.user,
                item=self.item,
                reason=data["reason"],
                requested_points=data.get("requested_points"),
                photos=data["photos"],
            )
        except ApplicationError as exc:
            form_errors_apply(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("申诉已提交，等待客服部裁定"))
        return redirect("inspections:detail", pk=self.item.inspection_id)


class AppealListView(RoleRequiredMixin, ListView):
    template_name = "inspections/appeal_list.html"
    context_object_name = "appeals"
    paginate_by = 50

    def get_queryset(self):
        state = self.request.GET.get("state", "")
        return appeal_list(user=self.request.user, state=state if state in AppealState.values else "")


class AppealDetailView(RoleRequiredMixin, LoadMixin, FormView):
    """Everyone in scope reads the appeal; HQ decides it."""

    template_name = "inspections/appeal_detail.html"
    form_class = AppealDecisionForm

    def load(self, request, **kwargs):
        self.appeal = appeal_get(user=request.user, pk=kwargs["pk"])

    def get_initial(self):
        return {"lock_version": self.appeal.lock_version, "decided_points": self.appeal.requested_points}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "veto": self.appeal.is_veto}

    def get_context_data(self, **kwargs):
        can_decide = self.scope.is_hq and self.appeal.state == AppealState.PENDING
        # A refused decision (someone decided first) shows the user's input with the reason, not a blank page.
        show_form = can_decide or (self.scope.is_hq and "form" in kwargs and kwargs["form"].is_bound)
        return super().get_context_data(appeal=self.appeal, can_decide=can_decide, show_form=show_form, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.scope.is_hq:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            appeal_decide(
                user=self.request.user,
                appeal_id=self.appeal.pk,
                lock_version=data["lock_version"],
                uphold=data["decision"] == "uphold",
                decided_points=data.get("decided_points"),
                note=data["decision_note"],
            )
        except ApplicationError as exc:
            form_errors_apply(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("裁定已保存"))
        return redirect("inspections:appeal_detail", pk=self.appeal.pk)


# --- Coaching visits ---------------------------------------------------------------------------------


class CoachingListView(RoleRequiredMixin, LoadMixin, FormView):
    """A hall's coaching plans and reports, searchable by text and date; district and city managers add them."""

    template_name = "inspections/coachingvisit_list.html"
    form_class = CoachingVisitForm

    def load(self, request, **kwargs):
        self.hall = hall_get(user=request.user, pk=kwargs["hall_pk"])

    def get_initial(self):
        return {"visit_date": timezone.localdate()}

    def get_context_data(self, **kwargs):
        search = CoachingSearchForm(self.request.GET or None)
        filters = search.cleaned_data if search.is_valid() else {}
        visits = coaching_list(
            user=self.request.user,
            hall_id=self.hall.pk,
            text=filters.get("q") or "",
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        can_record = self.scope.manages_districts
        return super().get_context_data(
            hall=self.hall,
            visits=visits[:200],
            search=search,
            can_record=can_record,
            look_back=look_back_items(hall_id=self.hall.pk),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not self.scope.manages_districts:
            raise PermissionDenied
        action = request.POST.get("action")
        if action in ("look_back_open", "look_back_verify"):
            return self._look_back(request, action)
        return super().post(request, *args, **kwargs)

    def _look_back(self, request, action):
        """Record a finding to look back at (回头看), or verify one: the team's follow-through at a supervised hall."""
        try:
            if action == "look_back_open":
                look_back_open(user=request.user, hall=self.hall, finding=request.POST.get("finding", ""))
            else:
                look_back_verify(
                    user=request.user,
                    hall=self.hall,
                    item_id=int(request.POST.get("item") or 0),
                    note=request.POST.get("verify_note", ""),
                )
        except (ApplicationError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("录入有误")))
        else:
            messages.success(request, _("已记录"))
        return redirect("inspections:coaching_list", hall_pk=self.hall.pk)

    def form_valid(self, form):
        try:
            coaching_visit_record(user=self.request.user, hall=self.hall, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_apply(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已记录"))
        return redirect("inspections:coaching_list", hall_pk=self.hall.pk)


# --- Notifications -----------------------------------------------------------------------------------


class NotificationListView(RoleRequiredMixin, ListView):
    template_name = "inspections/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 50

    def get_queryset(self):
        return notification_list(user=self.request.user)

    def post(self, request, *args, **kwargs):
        count = notifications_mark_read(user=request.user)
        messages.success(request, _("已将 %(count)s 条通知标记为已读") % {"count": count})
        return HttpResponseRedirect(reverse("inspections:notification_list"))


scheme_list_view = SchemeListView.as_view()
scheme_detail_view = SchemeDetailView.as_view()
inspection_list_view = InspectionListView.as_view()
inspection_start_view = InspectionStartView.as_view()
inspection_edit_view = InspectionEditView.as_view()
inspection_detail_view = InspectionDetailView.as_view()
photo_view = PhotoView.as_view()
rectification_list_view = RectificationListView.as_view()
rectification_detail_view = RectificationDetailView.as_view()
appeal_create_view = AppealCreateView.as_view()
appeal_list_view = AppealListView.as_view()
appeal_detail_view = AppealDetailView.as_view()
coaching_list_view = CoachingListView.as_view()
notification_list_view = NotificationListView.as_view()
