"""The complaint analysis page (投诉分析), through the viewer's scope."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from halls.mixins import RoleRequiredMixin
from halls.selectors import district_list
from scoring.report_forms import ComplaintFilterForm
from scoring.selectors.complaints import complaint_analysis, complaint_drilldown, complaint_months


class ComplaintAnalysisView(RoleRequiredMixin, TemplateView):
    """Every role, each over its own halls: HQ the province, a city its cities, a district its halls, a hall itself."""

    template_name = "scoring/complaint_analysis.html"

    def get_context_data(self, **kwargs):
        districts = list(district_list(user=self.request.user).order_by("city__code", "code"))
        form = ComplaintFilterForm(
            self.request.GET or None, months=complaint_months(scope=self.scope), districts=districts
        )
        criteria = form.criteria()
        context = super().get_context_data(form=form, criteria=criteria, **kwargs)
        if criteria is None:
            return context
        analysis = complaint_analysis(scope=self.scope, criteria=criteria)
        page = Paginator(complaint_drilldown(scope=self.scope, criteria=criteria), 50).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            analysis=analysis,
            query_string=query.urlencode(),
            page_obj=page,
            complaints=page.object_list,
            trend_chart={
                "categories": analysis.trend["months"],
                "bar": {"name": _("投诉量"), "data": analysis.trend["counts"]},
                "line": {"name": _("万笔投诉率"), "data": analysis.trend["rates"]},
            },
            category_chart={
                "categories": [row["category"] for row in analysis.by_category],
                "series": [{"name": _("投诉量"), "data": [row["count"] for row in analysis.by_category]}],
            },
        )
        return context


complaint_analysis_view = ComplaintAnalysisView.as_view()
