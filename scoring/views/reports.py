"""The report pages: rankings (and their export), the HQ dashboard, the district manager's home.
The hall archive is the hall detail page (``scoring.views.archive``)."""

from __future__ import annotations

import functools

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from halls.mixins import DISTRICT_LEVEL_ROLES, RoleRequiredMixin
from halls.models import Role
from halls.months import month_add
from halls.selectors import hall_list, organisation_version
from inspections.plan_selectors import today_work
from scoring.exports import xlsx_response
from scoring.models import RunState
from scoring.report_forms import MonthForm, RankingFilterForm
from scoring.selectors.dashboards import district_home, hq_dashboard
from scoring.selectors.early_warning import early_warning
from scoring.selectors.page_cache import ranking_page_key
from scoring.selectors.reports import (
    RANK_TREND_MONTHS,
    RANKING_CACHE_SECONDS,
    month_choose,
    ranking_choices,
    ranking_page,
    ranking_results,
    visible_runs,
)
from scoring.selectors.satisfaction import latest_survey_month, satisfaction_warnings

RANKING_PAGE_SIZE = 50
RANKING_FRAGMENT = "ranking-page"  # the name of the {% cache %} fragment in scoring/ranking_list.html


class RankingMixin(RoleRequiredMixin):
    def ranking_criteria(self, runs=None):
        # The policy is read only by the content (its ranking group), which a cached page never renders.
        runs = visible_runs(scope=self.scope, with_policy=False) if runs is None else runs
        self.choices = ranking_choices(scope=self.scope)
        form = RankingFilterForm(
            self.request.GET or None,
            months=list(runs),
            choices=self.choices,
        )
        return runs, form, form.criteria(default_month=month_choose(runs=runs, requested=None))

    def ranking(self):
        runs, form, criteria = self.ranking_criteria()
        return runs, form, criteria, ranking_results(scope=self.scope, runs=runs, criteria=criteria)


class RankingView(RankingMixin, TemplateView):
    """Every role sees the rankings of the cities its scope touches; hall managers only published months.

    A published month's content is kept rendered in the cache under ``page_key`` (see
    scoring.selectors.page_cache.ranking_page_key), which the request's query names before any form is built:
    a page found there is served without the filter form, its lists of cities and districts, the page or the
    movers. Otherwise the page and the movers are read lazily, when the template first asks for them; inside,
    the filters, rows and movers keep fragments of their own (shared by the queries that show them alike)."""

    template_name = "scoring/ranking_list.html"

    def get_context_data(self, **kwargs):
        runs = visible_runs(scope=self.scope, with_policy=False)
        page_key = ranking_page_key(
            runs=runs, scope=self.scope, query=self.request.GET, organisation=organisation_version
        )
        if page_key is not None:
            page_html = cache.get(make_template_fragment_key(RANKING_FRAGMENT, [page_key]))
            if page_html is not None:  # rendered by this template from the same runs, scope, query and language
                return super().get_context_data(page_html=mark_safe(page_html), **kwargs)
        runs, form, criteria = self.ranking_criteria(runs=runs)

        @functools.cache
        def shown():
            return ranking_page(
                scope=self.scope,
                runs=runs,
                criteria=criteria,
                page=self.request.GET.get("page"),
                per_page=RANKING_PAGE_SIZE,
            )

        query = self.request.GET.copy()
        query.pop("page", None)
        sortless = query.copy()
        sortless.pop("sort", None)
        filter_key = form.render_key(shown_month=criteria.month)
        return super().get_context_data(
            form=form,
            filter_key=filter_key,
            # Stored only once the filters are valid: a field in error echoes the request's own value.
            page_key=page_key if filter_key is not None else None,
            page_seconds=RANKING_CACHE_SECONDS,
            criteria=criteria,
            run=runs.get(criteria.month),
            page_obj=SimpleLazyObject(lambda: shown().page),
            movers=SimpleLazyObject(lambda: shown().movers),
            rows_key=lambda: shown().rows_key,
            movers_key=lambda: shown().movers_key,
            cache_seconds=RANKING_CACHE_SECONDS,
            query_string=query.urlencode(),
            sortless_query=sortless.urlencode(),
            # City ranks restart in each city: a list that spans cities says which city each hall is in.
            spans_cities=not criteria.city_id and len(self.choices.cities) > 1,
            rank_trend_months=[month_add(criteria.month, -n) for n in range(RANK_TREND_MONTHS - 1, -1, -1)]
            if criteria.month
            else [],
            # Read only where the rows are rendered, not when the rendered rows come from the cache.
            highlight_hall_ids=SimpleLazyObject(lambda: self._highlighted(shown().page)),
            **kwargs,
        )

    def _highlighted(self, page) -> set[int]:
        if self.scope.is_hq:
            return set()
        return {row.hall_id for row in page if self.scope.includes(row.hall)}


class RankingExportView(RankingMixin, View):
    """The rankings as on screen (same month, filters and order, every page) as XLSX."""

    def get(self, request):
        _runs, _form, criteria, results = self.ranking()
        headers = [
            _("地市排名"), _("区县排名"), _("同类排名"), _("营业厅编码"), _("营业厅"), _("区县"), _("营销单元"),
            _("类型"), _("综合得分"), _("等级"), _("上月排名"), _("名次变化"), _("下月状态"),
            _("状态评定分组"), _("组内排名"), _("组内营业厅数"),
        ]  # fmt: skip
        rows = (
            [
                r.rank_city,
                r.rank_district,
                r.rank_kind,
                r.hall.code,
                r.hall.name,
                r.hall.district.name,
                r.hall.marketing_unit.name,
                r.hall.get_kind_display(),
                r.composite,
                r.grade,
                r.previous_rank,
                r.movement,
                r.get_next_status_display(),
                r.get_ranking_group_display(),  # the group the statuses were decided in, and the place in it
                r.group_rank,
                r.group_size,
            ]  # fmt: skip
            for r in results.iterator(chunk_size=2000)
        )
        month = f"{criteria.month:%Y-%m}" if criteria.month else "none"
        return xlsx_response(filename=f"ranking-{month}.xlsx", sheet=_("排名"), headers=headers, rows=rows)


class DashboardView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.HQ,)
    template_name = "scoring/dashboard_detail.html"

    def get_context_data(self, **kwargs):
        runs = visible_runs(scope=self.scope)
        form = MonthForm(self.request.GET or None, months=list(runs))
        month = month_choose(runs=runs, requested=form.month_value())
        dashboard = hq_dashboard(runs=runs, month=month)
        grades_chart = {
            "categories": [g["grade"] for g in dashboard.grades],
            "series": [
                {"name": _("本月"), "data": [g["count"] for g in dashboard.grades]},
                {"name": _("上月"), "data": [g["previous"] for g in dashboard.grades]},
            ],
        }
        district_chart = {
            "categories": [d["name"] for d in dashboard.districts],
            "series": [{"name": _("平均综合得分"), "data": [float(d["average"] or 0) for d in dashboard.districts]}],
        }
        return super().get_context_data(
            form=form,
            dashboard=dashboard,
            grades_chart=grades_chart,
            district_chart=district_chart,
            **kwargs,
        )


class DistrictHomeView(RoleRequiredMixin, TemplateView):
    """The workbench of a district manager over his districts, and of a city manager (地市客服) over every
    hall of its cities: the same lists, since the city acts on its halls as a district does on its own
    (overdue rectifications reach the city before HQ)."""

    allowed_roles = DISTRICT_LEVEL_ROLES
    template_name = "scoring/district_home.html"

    def get_context_data(self, **kwargs):
        runs = visible_runs(scope=self.scope)
        home = district_home(
            scope=self.scope,
            halls=hall_list(user=self.request.user),
            runs=runs,
            today=timezone.localdate(),
        )
        # The early warning reads published months only (a draft under review may still change), with the
        # figures of the policy the latest of them was graded by.
        published = next((run for run in runs.values() if run.state == RunState.PUBLISHED), None)
        warning = early_warning(
            month=published.month if published else None,
            as_of=timezone.localdate(),
            hall_ids=[row["hall"].pk for row in home.rows],
            min_cases=published.policy.warning_min_cases if published else 1,
            threshold=float(published.policy.warning_risk) / 100 if published else 1.0,
        )
        names = {row["hall"].pk: row["hall"] for row in home.rows}
        warned = [(names[w.hall_id], w) for w in warning.warnings]
        chart = {
            "categories": [row["hall"].name for row in home.rows if row["result"] and row["result"].composite],
            "series": [
                {
                    "name": _("综合得分"),
                    "data": [
                        float(row["result"].composite) for row in home.rows if row["result"] and row["result"].composite
                    ],
                }
            ],
        }
        work = today_work(scope=self.scope, today=timezone.localdate())
        halls = [row["hall"] for row in home.rows]
        survey_month = latest_survey_month(hall_ids=[hall.pk for hall in halls])
        warnings = satisfaction_warnings(halls=halls, month=survey_month) if survey_month else []
        return super().get_context_data(
            home=home,
            halls_chart=chart,
            work=work,
            early_warning=warning,
            warned_halls=warned,
            survey_month=survey_month,
            satisfaction_warnings=warnings,
            **kwargs,
        )


ranking_view = RankingView.as_view()
ranking_export_view = RankingExportView.as_view()
dashboard_view = DashboardView.as_view()
district_home_view = DistrictHomeView.as_view()
