"""HQ's grading pages: the policy, starting runs, watching them, reviewing and publishing, what-if."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from halls.errors import ApplicationError
from halls.jobs import BROKER_DOWN_MESSAGE, BrokerUnavailable, enqueue
from halls.mixins import RoleRequiredMixin
from halls.models import Role
from scoring.forms import GradingPolicyForm, GradingStartForm, PolicyDraftForm, WhatIfForm
from scoring.models import PolicyState, RunState
from scoring.selectors.grading import (
    policy_in_force,
    policy_list,
    publish_preview,
    run_differences,
    run_get,
    run_is_stale,
    run_list,
    run_live_for_month,
    run_progress_get,
    run_review,
)
from scoring.services import (
    grading_run_fail,
    grading_run_start,
    month_publish,
    policy_activate,
    policy_draft_create,
    policy_update,
)
from scoring.services.export import results_export


class HQOnlyMixin(RoleRequiredMixin):
    allowed_roles = (Role.HQ,)


def _form_errors(form, exc: ApplicationError) -> None:
    for field, field_messages in exc.field_errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.field_errors:
        form.add_error(None, exc.message)


class PolicyListView(HQOnlyMixin, TemplateView):
    template_name = "scoring/gradingpolicy_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["policies"] = policy_list()
        context["draft_form"] = kwargs.get("draft_form") or PolicyDraftForm()
        return context

    def post(self, request, *args, **kwargs):
        """A new draft, copied from the policy in force in its effective month."""
        form = PolicyDraftForm(request.POST)
        if form.is_valid():
            month = form.cleaned_data["effective_from"]
            try:
                draft = policy_draft_create(
                    based_on=policy_in_force(month=month), effective_from=month, user=request.user
                )
            except ApplicationError as exc:
                form.add_error("effective_from", exc.message)
            else:
                messages.success(request, _("已创建草稿 v%(version)s") % {"version": draft.version})
                return redirect("scoring:policy_update", pk=draft.pk)
        return self.render_to_response(self.get_context_data(draft_form=form), status=400)


class PolicyUpdateView(HQOnlyMixin, TemplateView):
    """Edit a draft policy; a save against a stale ``lock_version`` is refused, not merged."""

    template_name = "scoring/gradingpolicy_update.html"

    def _policy(self):
        return get_object_or_404(policy_list(), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        policy = self._policy()
        form = GradingPolicyForm(instance=policy, initial={"lock_version": policy.lock_version})
        return self.render_to_response({"policy": policy, "form": form})

    def post(self, request, *args, **kwargs):
        policy = self._policy()
        if "activate" in request.POST:
            try:
                policy_activate(policy=policy, lock_version=int(request.POST.get("lock_version", -1)))
            except (ApplicationError, ValueError) as exc:
                messages.error(request, getattr(exc, "message", _("请求无效")))
                return redirect("scoring:policy_update", pk=policy.pk)
            messages.success(request, _("评定规则 v%(version)s 已生效") % {"version": policy.version})
            return redirect("scoring:policy_list")
        form = GradingPolicyForm(request.POST, instance=policy)
        if policy.state != PolicyState.DRAFT:
            form.add_error(None, _("只有草稿状态的评定规则可以修改或启用"))
        elif form.is_valid():
            try:
                policy_update(policy=policy, data=form.cleaned_data, lock_version=form.cleaned_data["lock_version"])
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("评定规则已保存"))
                return redirect("scoring:policy_update", pk=policy.pk)
        policy.refresh_from_db()
        return self.render_to_response({"policy": policy, "form": form}, status=400)


class GradingListView(HQOnlyMixin, TemplateView):
    template_name = "scoring/gradingrun_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["runs"] = run_list()
        context["start_form"] = kwargs.get("start_form") or GradingStartForm()
        # The tree editor links here with ?scheme=<draft> to try the draft before it is activated.
        context["what_if_form"] = kwargs.get("what_if_form") or WhatIfForm(
            initial={"scheme": self.request.GET.get("scheme")}
        )
        return context

    def post(self, request, *args, **kwargs):
        """Start a run (or a what-if) and hand it to a worker."""
        what_if = "what_if" in request.POST
        form = (WhatIfForm if what_if else GradingStartForm)(request.POST)
        if not form.is_valid():
            key = "what_if_form" if what_if else "start_form"
            return self.render_to_response(self.get_context_data(**{key: form}), status=400)
        data = form.cleaned_data
        try:
            run = grading_run_start(
                month=data["month"],
                user=request.user,
                policy=data.get("policy"),
                scheme=data.get("scheme"),
                what_if=what_if,
                reason=data.get("reason", ""),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            key = "what_if_form" if what_if else "start_form"
            return self.render_to_response(self.get_context_data(**{key: form}), status=400)
        from scoring.tasks import grade_month_task

        try:
            enqueue(grade_month_task, args=(run.pk,))
        except BrokerUnavailable as exc:
            grading_run_fail(run=run, message=BROKER_DOWN_MESSAGE)  # the msgid: translated when shown
            messages.error(request, exc.message)
        except ApplicationError as exc:  # the eager task in a single-machine setup reports its error here
            messages.error(request, exc.message)
        return redirect("scoring:run_detail", pk=run.pk)


class RunDetailView(HQOnlyMixin, TemplateView):
    """A run: its progress while running; the review (or the what-if differences) once computed."""

    template_name = "scoring/gradingrun_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = run_get(pk=self.kwargs["pk"])
        context["run"] = run
        context["run_is_stale"] = run_is_stale(run=run)
        context["progress_url"] = reverse("scoring:run_progress", args=[run.pk])
        if run.state in (RunState.RUNNING, RunState.FAILED):
            return context
        if run.is_what_if:
            live = run_live_for_month(month=run.month)
            context["live_run"] = live
            context["differences"] = run_differences(run=run, against=live)
        else:
            context["review"] = run_review(run=run)
            context["chart_data"] = {
                "grades": list(context["review"]["distribution"].keys()),
                "counts": list(context["review"]["distribution"].values()),
            }
        return context


class RunProgressView(HQOnlyMixin, View):
    def get(self, request, *args, **kwargs):
        run = run_progress_get(pk=self.kwargs["pk"])
        return JsonResponse(
            {
                "state": run.state,
                "state_label": run.get_state_display(),
                "progress": run.progress,
                "message": run.message_text,
                "done": run.state != RunState.RUNNING,
            }
        )


class RunPublishView(HQOnlyMixin, View):
    """Publishing freezes a month: the page says what it will do and asks to confirm; only the confirmed
    form publishes."""

    def get(self, request, *args, **kwargs):
        run = run_get(pk=self.kwargs["pk"])
        if run.is_what_if or run.state != RunState.DRAFT:
            return redirect("scoring:run_detail", pk=run.pk)
        return render(request, "scoring/gradingrun_publish.html", {"run": run, "preview": publish_preview(run=run)})

    def post(self, request, *args, **kwargs):
        run = run_get(pk=self.kwargs["pk"])
        if run.is_what_if:
            messages.error(request, _("模拟评定不能发布"))
            return redirect("scoring:run_detail", pk=run.pk)
        if request.POST.get("confirm") != "1":
            return redirect("scoring:run_publish", pk=run.pk)
        try:
            published = month_publish(month=run.month, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(month)s 已发布（修订 %(revision)s）")
                % {"month": f"{run.month:%Y-%m}", "revision": published.revision},
            )
        return redirect("scoring:run_detail", pk=run.pk)


class RunExportView(HQOnlyMixin, View):
    def get(self, request, *args, **kwargs):
        run = run_get(pk=self.kwargs["pk"])
        fmt = request.GET.get("format", "csv")
        try:
            _run, data = results_export(month=run.month, fmt=fmt)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("scoring:run_detail", pk=run.pk)
        content_type = (
            "text/csv; charset=utf-8"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="results-{run.month:%Y-%m}.{fmt}"'
        return response


policy_list_view = PolicyListView.as_view()
policy_update_view = PolicyUpdateView.as_view()
grading_list_view = GradingListView.as_view()
run_detail_view = RunDetailView.as_view()
run_progress_view = RunProgressView.as_view()
run_publish_view = RunPublishView.as_view()
run_export_view = RunExportView.as_view()
