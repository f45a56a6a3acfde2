"""The hall's page: its service archive (服务档案), filled from the published gradings.

It is served under halls' name and path (``halls:detail``, ``/halls/<pk>/``): the project's URL configuration puts
it there, since halls, below scoring, may not import it.
"""

from __future__ import annotations

import functools

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.generic import DetailView, View

from halls.mixins import RoleRequiredMixin
from halls.selectors import hall_get
from scoring.exports import XLSX_CONTENT_TYPE
from scoring.report_forms import MonthForm
from scoring.selectors.activity import hall_activity
from scoring.selectors.page_cache import (
    ARCHIVE_PAGE_SECONDS,
    archive_content_key,
    archive_page_key,
    evidence_panels_key,
)
from scoring.selectors.reports import hall_archive, hall_outstanding, month_choose, visible_runs
from scoring.selectors.satisfaction import hall_satisfaction, latest_survey_month, responses_stamp
from scoring.services.archive_export import archive_pdf, archive_xlsx


class HallDetailView(RoleRequiredMixin, DetailView):
    """The hall's service archive (服务档案): the hall manager's home and every other role's hall page.

    A published month's content is kept rendered in the cache whole under ``page_key``: its key holds the
    hall's version, which database triggers raise whenever anything the live panels show is written
    (outstanding rectifications and repair cases, the inspections, rectifications and coaching visits panel,
    mystery visits, repair cases and complaints, the bonus, the staff). Inside it the frozen figures keep
    their own fragment under ``archive_key``, and the satisfaction and activity panels under
    ``evidence_key`` (see scoring.selectors.page_cache), so a write to the hall re-renders the live panels
    only. Everything is therefore read lazily (``SimpleLazyObject``, querysets, and zero-argument callables,
    which the template calls when it resolves them): a page served from the cache reads none of it. The
    layout around it (the user's name, unread count, messages and CSRF tokens) is rendered for each request."""

    template_name = "halls/hall_detail.html"
    context_object_name = "hall"

    def get_object(self, queryset=None):
        return hall_get(user=self.request.user, pk=self.kwargs["pk"], with_version=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hall = self.object
        # The page reads a run's policy (its activity rule, a veto's cap) only when it renders its figures.
        runs = visible_runs(scope=self.scope, with_policy=False)
        month_form = MonthForm(self.request.GET or None, months=list(runs))
        requested = month_form.month_value()
        month = month_choose(runs=runs, requested=requested)
        outstanding = SimpleLazyObject(lambda: hall_outstanding(hall=hall))

        @functools.cache
        def archive():
            return hall_archive(runs=runs, hall=hall, month=requested, outstanding=outstanding)

        @functools.cache
        def survey_month():
            # The archive's month, or (before any grading) the newest month the hall's customers answered in.
            return month or latest_survey_month(hall_ids=[hall.pk])

        responses = functools.cache(responses_stamp)
        run = runs.get(month) if month else None
        evidence_key = evidence_panels_key(run=run, hall=hall, month=month, responses_stamp=responses)
        archive_key = archive_page_key(
            runs=runs, hall=hall, month=month, scope=self.scope, month_in_error=bool(month_form.errors)
        )
        today = timezone.localdate()
        context.update(
            archive=SimpleLazyObject(archive),
            archive_key=archive_key,
            archive_seconds=ARCHIVE_PAGE_SECONDS,
            evidence_key=evidence_key,
            page_key=archive_content_key(figures_key=archive_key, hall=hall, evidence_key=evidence_key, today=today),
            outstanding=outstanding,
            month_form=month_form,
            dimension_chart=functools.cache(lambda: _dimension_chart(archive())),
            satisfaction=functools.cache(
                lambda: (
                    hall_satisfaction(hall=hall, month=survey_month(), stamp=responses()) if survey_month() else None
                )
            ),
            activity=functools.cache(lambda: hall_activity(hall=hall, month=month, policy=run.policy) if run else None),
            staff=hall.staff.order_by("active_to", "employee_no"),
            today=today,
        )
        return context


def _dimension_chart(archive) -> dict:
    return {
        "categories": [d["name"] for d in archive.dimensions],
        "series": [
            {"name": _("本厅"), "data": [_float(d["hall"]) for d in archive.dimensions]},
            {"name": _("全市平均"), "data": [_float(d["city"]) for d in archive.dimensions]},
        ],
    }


def _float(value) -> float | None:
    return None if value is None else float(value)


class HallArchiveExportView(RoleRequiredMixin, View):
    """The archive of the month asked for (``?month=``, as on the page) as XLSX or PDF. The PDF of one
    hall is a page or two, rendered in the request (well under a second); the bulletins, which cover whole
    scopes, are rendered by a Celery task."""

    fmt = "xlsx"

    def get(self, request, pk: int):
        hall = hall_get(user=request.user, pk=pk)
        runs = visible_runs(scope=self.scope)
        month_form = MonthForm(request.GET or None, months=list(runs))
        archive = hall_archive(runs=runs, hall=hall, month=month_form.month_value())
        month = f"{archive.month:%Y-%m}" if archive.month else "none"
        if self.fmt == "pdf":
            response = HttpResponse(archive_pdf(archive=archive), content_type="application/pdf")
        else:
            response = HttpResponse(archive_xlsx(archive=archive), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="archive-{hall.code}-{month}.{self.fmt}"'
        return response


hall_detail_view = HallDetailView.as_view()
hall_archive_xlsx_view = HallArchiveExportView.as_view(fmt="xlsx")
hall_archive_pdf_view = HallArchiveExportView.as_view(fmt="pdf")
