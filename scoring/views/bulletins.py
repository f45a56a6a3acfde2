"""Monthly bulletins (通报): the list by scope (HQ asks there for a published month's bulletins) and the
download of one PDF."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from halls.errors import ApplicationError
from halls.mixins import DISTRICT_LEVEL_ROLES, RoleRequiredMixin
from halls.models import Role
from halls.months import month_parse
from scoring.models import BulletinState
from scoring.selectors.bulletins import bulletin_get, bulletin_list, bulletin_months
from scoring.services.bulletins import bulletins_request

BULLETIN_ROLES = (Role.HQ, *DISTRICT_LEVEL_ROLES)


class BulletinRequestForm(forms.Form):
    month = forms.ChoiceField(label=gettext_lazy("已发布月份"))

    def __init__(self, *args, months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]


class BulletinListView(RoleRequiredMixin, TemplateView):
    """The bulletins the user's scope covers, newest month first; HQ may ask for a month's bulletins."""

    allowed_roles = BULLETIN_ROLES
    template_name = "scoring/bulletin_list.html"

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None)
        if form is None and self.scope.is_hq:
            form = BulletinRequestForm(months=bulletin_months(scope=self.scope))
        bulletins = bulletin_list(scope=self.scope)
        return super().get_context_data(
            bulletins=bulletins[:500],
            form=form,
            waiting=bulletins.filter(state__in=[BulletinState.PENDING, BulletinState.RENDERING]).exists(),
            **kwargs,
        )

    def post(self, request):
        if not self.scope.is_hq:
            raise Http404
        form = BulletinRequestForm(request.POST, months=bulletin_months(scope=self.scope))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            made = bulletins_request(month=month_parse(form.cleaned_data["month"]), user=request.user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("已提交 %(count)s 份通报的生成任务。") % {"count": len(made)})
        return redirect("scoring:bulletin_list")


class BulletinDownloadView(RoleRequiredMixin, View):
    allowed_roles = BULLETIN_ROLES

    def get(self, request, pk: int):
        bulletin = bulletin_get(scope=self.scope, pk=pk)
        if bulletin.state != BulletinState.READY:
            raise Http404("The bulletin is not rendered yet")
        response = HttpResponse(bytes(bulletin.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{bulletin.filename}"'
        return response


bulletin_list_view = BulletinListView.as_view()
bulletin_download_view = BulletinDownloadView.as_view()
