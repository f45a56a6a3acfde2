"""Pages: imports (HQ only), the repair list (hall managers update their own), mystery-visit detail."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from halls.errors import ApplicationError
from halls.mixins import RoleRequiredMixin
from halls.models import Role
from surveys.forms import ImportUploadForm, RepairCaseForm, SurveyResponseForm, TemplateForm
from surveys.models import MASTER_DATA_KINDS, ImportBatch, RepairState, SurveyDefinition
from surveys.selectors import (
    import_batch_list,
    mystery_visit_get,
    repair_case_get,
    repair_case_list,
    survey_definition_list,
)
from surveys.services.imports import import_batch_start, import_errors_csv, import_template_build
from surveys.services.repair import repair_case_update, repair_phone_disclose
from surveys.services.responses import survey_response_create

HQ_ONLY = (Role.HQ,)
ERRORS_SHOWN = 500


def _form_errors(form, exc: ApplicationError) -> None:
    for field, errors in exc.field_errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.field_errors:
        form.add_error("file" if "file" in form.fields else None, exc.message)


class ImportListView(RoleRequiredMixin, TemplateView):
    allowed_roles = HQ_ONLY
    template_name = "surveys/importbatch_list.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        # ?kind= preselects the kind, for links from other pages (the bonus pools page).
        context["form"] = form or ImportUploadForm(initial={"kind": self.request.GET.get("kind", "")})
        context["page_obj"] = Paginator(import_batch_list(), 25).get_page(self.request.GET.get("page"))
        context["surveys"] = survey_definition_list()
        context["master_kinds"] = MASTER_DATA_KINDS
        return context

    def post(self, request, *args, **kwargs):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = import_batch_start(
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    user=request.user,
                    params=form.params(),
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("surveys:import_detail", pk=batch.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportDetailView(RoleRequiredMixin, TemplateView):
    allowed_roles = HQ_ONLY
    template_name = "surveys/importbatch_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = get_object_or_404(ImportBatch.objects.select_related("uploaded_by"), pk=kwargs["pk"])
        context.update(batch=batch, errors=batch.errors[:ERRORS_SHOWN], errors_total=len(batch.errors))
        context["status"] = _status(batch)
        return context


def _status(batch: ImportBatch) -> dict:
    return {
        "state": batch.state,
        "state_label": batch.get_state_display(),
        "finished": batch.is_finished,
        "percent": batch.percent,
        "rows_total": batch.rows_total,
        "rows_processed": batch.rows_processed,
        "message": batch.message,
    }


class ImportStatusView(RoleRequiredMixin, View):
    allowed_roles = HQ_ONLY

    def get(self, request, pk: int):
        batch = get_object_or_404(ImportBatch.objects.defer("errors"), pk=pk)
        return JsonResponse(_status(batch))


class ImportFileView(RoleRequiredMixin, View):
    """HQ downloads the file exactly as it was uploaded."""

    allowed_roles = HQ_ONLY

    def get(self, request, pk: int):
        batch = get_object_or_404(ImportBatch.objects.defer("errors"), pk=pk)
        if not batch.file or not batch.file.storage.exists(batch.file.name):
            raise Http404("file missing")
        return FileResponse(batch.file.open("rb"), as_attachment=True, filename=batch.file_name)


class ImportErrorsView(RoleRequiredMixin, View):
    allowed_roles = HQ_ONLY

    def get(self, request, pk: int):
        batch = get_object_or_404(ImportBatch, pk=pk)
        response = HttpResponse(import_errors_csv(batch=batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
        return response


class ImportTemplateView(RoleRequiredMixin, View):
    allowed_roles = HQ_ONLY

    def get(self, request):
        form = TemplateForm(request.GET)
        if not form.is_valid():
            raise Http404("unknown kind")
        survey = form.cleaned_data.get("survey")
        try:
            content = import_template_build(
                kind=form.cleaned_data["kind"], params={"survey_id": survey.pk} if survey else {}
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("surveys:import_list")
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        name = form.cleaned_data["kind"] + (f"-{survey.code}" if survey else "")
        response["Content-Disposition"] = f'attachment; filename="template-{name}.xlsx"'
        return response


class RepairCaseListView(RoleRequiredMixin, ListView):
    template_name = "surveys/repaircase_list.html"
    paginate_by = 50
    context_object_name = "cases"

    def get_queryset(self):
        state = self.request.GET.get("state")
        return repair_case_list(user=self.request.user, state=state if state in RepairState.values else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["states"] = RepairState.choices
        context["current_state"] = self.request.GET.get("state", "")
        return context


class RepairCaseUpdateView(RoleRequiredMixin, TemplateView):
    """The hall manager's follow-up of one dissatisfied customer."""

    allowed_roles = (Role.HALL_MANAGER,)
    template_name = "surveys/repaircase_update.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        case = repair_case_get(user=self.request.user, pk=kwargs["pk"])
        # He must call the customer back: the full number, recorded as shown to him.
        phone = repair_phone_disclose(case_id=case.pk, user=self.request.user)
        context.update(case=case, phone=phone, form=form or RepairCaseForm(instance=case))
        return context

    def post(self, request, pk: int):
        case = repair_case_get(user=request.user, pk=pk)
        form = RepairCaseForm(request.POST, instance=case)
        if form.is_valid():
            try:
                repair_case_update(
                    case_id=case.pk,
                    user=request.user,
                    state=form.cleaned_data["state"],
                    follow_up=form.cleaned_data["follow_up"],
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("修复情况已保存"))
                return redirect("surveys:repair_list")
        return self.render_to_response(self.get_context_data(form=form, pk=pk), status=400)


class VisitDetailView(RoleRequiredMixin, TemplateView):
    template_name = "surveys/visit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["visit"], context["items"] = mystery_visit_get(user=self.request.user, pk=kwargs["pk"])
        return context


class SurveyResponseCreateView(RoleRequiredMixin, TemplateView):
    """HQ enters one response by hand (a paper questionnaire); same rules as an imported row."""

    allowed_roles = HQ_ONLY
    template_name = "surveys/surveyresponse_create.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = get_object_or_404(SurveyDefinition, pk=kwargs["pk"])
        context.update(survey=survey, form=form or SurveyResponseForm(survey=survey))
        return context

    def post(self, request, pk: int):
        survey = get_object_or_404(SurveyDefinition, pk=pk)
        form = SurveyResponseForm(request.POST, survey=survey)
        if form.is_valid():
            try:
                survey_response_create(survey_id=survey.pk, values=form.values())
            except ApplicationError as exc:
                for field, errors in exc.field_errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("问卷已保存"))
                return redirect("surveys:response_create", pk=survey.pk)
        return self.render_to_response(self.get_context_data(form=form, pk=pk), status=400)


import_list_view = ImportListView.as_view()
response_create_view = SurveyResponseCreateView.as_view()
import_detail_view = ImportDetailView.as_view()
import_status_view = ImportStatusView.as_view()
import_file_view = ImportFileView.as_view()
import_errors_view = ImportErrorsView.as_view()
import_template_view = ImportTemplateView.as_view()
repair_case_list_view = RepairCaseListView.as_view()
repair_case_update_view = RepairCaseUpdateView.as_view()
visit_detail_view = VisitDetailView.as_view()
