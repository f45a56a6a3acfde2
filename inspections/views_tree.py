"""The indicator tree editor and the check templates: HQ's pages (every other role gets 403).

A scheme in force is copied into a draft; the draft's items and templates are edited here, its
problems listed as the activation would find them, its effect tried with a what-if grading, then it is
activated. Only a draft can be opened for editing (404 for an activated or retired one).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from halls.errors import ApplicationError
from halls.mixins import RoleRequiredMixin
from halls.models import Role
from inspections.forms import CheckTemplateForm, IndicatorForm, SchemeDraftForm
from inspections.models import IndicatorKind
from inspections.selectors import (
    draft_indicator_get,
    draft_scheme_get,
    draft_template_get,
    scheme_list,
    scheme_templates,
    scheme_tree,
)
from inspections.services.check_templates import check_template_delete, check_template_save
from inspections.services.tree import scheme_activate, scheme_copy_to_draft, scheme_validate
from inspections.services.tree_editor import (
    indicator_create,
    indicator_delete,
    indicator_move,
    indicator_update,
    scheme_settings_update,
)
from inspections.views import LoadMixin, form_errors_apply


class HQMixin(RoleRequiredMixin):
    allowed_roles = (Role.HQ,)


class SchemeCopyView(HQMixin, LoadMixin, FormView):
    """Copy a scheme (the one in force, usually) into a new draft with a later effective month."""

    template_name = "inspections/scheme_copy.html"
    form_class = SchemeDraftForm

    def load(self, request, **kwargs):
        self.source = get_object_or_404(scheme_list(), pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=self.source, **kwargs)

    def form_valid(self, form):
        try:
            draft = scheme_copy_to_draft(
                scheme=self.source,
                effective_from=form.cleaned_data["effective_from"],
                name=form.cleaned_data["name"],
                user=self.request.user,
            )
        except ApplicationError as exc:
            form_errors_apply(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已复制为草稿 v%(version)s") % {"version": draft.version})
        return redirect("inspections:scheme_edit", pk=draft.pk)


class SchemeEditView(HQMixin, LoadMixin, TemplateView):
    """The draft: its tree with each item's actions, what the activation would refuse, its templates."""

    template_name = "inspections/scheme_edit.html"

    def load(self, request, **kwargs):
        self.scheme = draft_scheme_get(pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        tree = scheme_tree(scheme=self.scheme)
        level1_total = sum(
            (node["indicator"].points or 0 for node in tree if node["indicator"].kind == IndicatorKind.SCORED), 0
        )
        form = kwargs.pop("settings_form", None) or SchemeDraftForm(
            initial={"name": self.scheme.name, "effective_from": self.scheme.effective_from}
        )
        return super().get_context_data(
            scheme=self.scheme,
            tree=tree,
            level1_total=level1_total,
            problems=scheme_validate(scheme=self.scheme),
            templates=scheme_templates(scheme=self.scheme),
            settings_form=form,
            what_if_url=f"{reverse('scoring:grading')}?scheme={self.scheme.pk}",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        """The draft's name and effective month."""
        form = SchemeDraftForm(request.POST)
        if form.is_valid():
            try:
                scheme_settings_update(scheme=self.scheme, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_apply(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("inspections:scheme_edit", pk=self.scheme.pk)
        return self.render_to_response(self.get_context_data(settings_form=form), status=400)


class SchemeActivateView(HQMixin, View):
    def post(self, request, *args, **kwargs):
        scheme = draft_scheme_get(pk=kwargs["pk"])
        try:
            scheme_activate(scheme=scheme, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            for error in exc.errors:
                messages.error(request, error)
            return redirect("inspections:scheme_edit", pk=scheme.pk)
        messages.success(
            request,
            _("v%(version)s 已启用，自 %(month)s 起生效")
            % {"version": scheme.version, "month": f"{scheme.effective_from:%Y-%m}"},
        )
        return redirect("inspections:scheme_detail", pk=scheme.pk)


class IndicatorFormView(HQMixin, LoadMixin, FormView):
    """Add an item to a draft (``pk`` the scheme) or change one (``pk`` the item)."""

    template_name = "inspections/indicator_form.html"
    creating = True

    def load(self, request, **kwargs):
        if self.creating:
            self.scheme, self.indicator = draft_scheme_get(pk=kwargs["pk"]), None
        else:
            self.indicator = draft_indicator_get(pk=kwargs["pk"])
            self.scheme = self.indicator.scheme

    def get_form(self, form_class=None):
        return IndicatorForm(**self.get_form_kwargs(), scheme=self.scheme)

    def get_initial(self):
        if self.indicator is None:
            return {"parent": self.request.GET.get("parent") or None}
        ind = self.indicator
        fields = ("code", "name_zh", "name_en", "kind", "points", "allow_na")
        return {"parent": ind.parent_id, **{name: getattr(ind, name) for name in fields}}

    def get_context_data(self, **kwargs):
        return super().get_context_data(scheme=self.scheme, indicator=self.indicator, **kwargs)

    def form_valid(self, form):
        try:
            if self.indicator is None:
                indicator = indicator_create(scheme=self.scheme, **form.cleaned_data)
            else:
                indicator = indicator_update(indicator=self.indicator, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_apply(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存 %(code)s") % {"code": indicator.code})
        return redirect(f"{reverse('inspections:scheme_edit', args=[self.scheme.pk])}#ind-{indicator.pk}")


class IndicatorMoveView(HQMixin, View):
    def post(self, request, *args, **kwargs):
        indicator = draft_indicator_get(pk=kwargs["pk"])
        try:
            indicator_move(indicator=indicator, direction=request.POST.get("direction", ""))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('inspections:scheme_edit', args=[indicator.scheme_id])}#ind-{indicator.pk}")


class IndicatorDeleteView(HQMixin, View):
    def post(self, request, *args, **kwargs):
        indicator = draft_indicator_get(pk=kwargs["pk"])
        try:
            removed = indicator_delete(indicator=indicator)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("已删除 %(code)s（共 %(count)s 项）") % {"code": indicator.code, "count": removed}
            )
        return redirect("inspections:scheme_edit", pk=indicator.scheme_id)


class CheckTemplateFormView(HQMixin, LoadMixin, FormView):
    """Add a check template to a draft (``pk`` the scheme) or change one (``pk`` the template)."""

    template_name = "inspections/checktemplate_form.html"
    creating = True

    def load(self, request, **kwargs):
        if self.creating:
            self.scheme, self.template = draft_scheme_get(pk=kwargs["pk"]), None
        else:
            self.template = draft_template_get(pk=kwargs["pk"])
            self.scheme = self.template.scheme

    def get_form(self, form_class=None):
        return CheckTemplateForm(**self.get_form_kwargs(), scheme=self.scheme)

    def get_initial(self):
        if self.template is None:
            return {}
        t = self.template
        return {"code": t.code, "name_zh": t.name_zh, "name_en": t.name_en, "indicators": list(t.indicators.all())}

    def get_context_data(self, **kwargs):
        return super().get_context_data(scheme=self.scheme, template=self.template, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            check_template_save(
                scheme=self.scheme,
                template=self.template,
                code=data["code"],
                name_zh=data["name_zh"],
                name_en=data["name_en"],
                indicator_ids=[ind.pk for ind in data["indicators"]],
            )
        except ApplicationError as exc:
            form_errors_apply(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("检查模板已保存"))
        return redirect(f"{reverse('inspections:scheme_edit', args=[self.scheme.pk])}#templates")


class CheckTemplateDeleteView(HQMixin, View):
    def post(self, request, *args, **kwargs):
        template = draft_template_get(pk=kwargs["pk"])
        try:
            check_template_delete(template=template)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("检查模板已删除"))
        return redirect(f"{reverse('inspections:scheme_edit', args=[template.scheme_id])}#templates")


scheme_copy_view = SchemeCopyView.as_view()
scheme_edit_view = SchemeEditView.as_view()
scheme_activate_view = SchemeActivateView.as_view()
indicator_create_view = IndicatorFormView.as_view()
indicator_update_view = IndicatorFormView.as_view(creating=False)
indicator_move_view = IndicatorMoveView.as_view()
indicator_delete_view = IndicatorDeleteView.as_view()
check_template_create_view = CheckTemplateFormView.as_view()
check_template_update_view = CheckTemplateFormView.as_view(creating=False)
check_template_delete_view = CheckTemplateDeleteView.as_view()
