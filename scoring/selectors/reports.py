"""Reads for the pages people look at: the hall archive (服务档案), the rankings, the HQ dashboard and the
district manager's home.

Which month a user may see: a hall manager only published months; HQ and district managers also the
draft under review where a month has no published run yet. Every read here costs a fixed number of
queries, whatever the number of halls or months: aggregation happens in SQL, never in a loop of queries.

Level-1 dimensions "against the city average" come from the item results of submitted inspections
(overt, remote, special and mystery visits alike), grouped by their level-1 ancestor in the indicator
tree: points awarded / points applicable. The grading dimensions (mystery, satisfaction, inspections,
complaints) are shown separately, line by line, in the explanation of the composite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, FilteredRelation, Min, Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from halls.i18n import name_field
from halls.models import CityCompany, DistrictCompany, Hall
from halls.months import month_add, month_start
from halls.selectors import Scope
from inspections.models import Indicator, IndicatorKind, InspectionItem, InspectionState, Rectification
from inspections.models.rectification import OUTSTANDING_STATES
from scoring.models import CityDimensionFigure, Grade, GradingRun, HallMonthResult, HallStatus, RankingGroup, RunState
from surveys.models import RepairCase, RepairState

TREND_MONTHS = 12
WEAK_MONTHS = 3
WEAK_LIMIT = 5
ARCHIVE_CACHE_SECONDS = 24 * 3600  # figures that cannot change; the day only bounds the memory they hold
CENT = Decimal("0.01")

STATUS_MEANING = {
    HallStatus.NORMAL: _("按常规频次接受明查和暗访。"),
    HallStatus.EXEMPT: _("免于明查和报送，暗访照常进行。"),
    HallStatus.MONITORED: _("列为全方位监控厅，每日远程巡检。"),
    HallStatus.SUPERVISED: _("列为督办厅，第三方团队驻点，直至退出末位。"),
}


def q2(value: Decimal | float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def share_lost(max_points, awarded) -> Decimal | None:
    """Points lost as a percentage of points applicable: (max − awarded) / max × 100."""
    if not max_points:
        return None
    return q2((Decimal(max_points) - Decimal(awarded or 0)) / Decimal(max_points) * 100)


# --- Months a user may see ---------------------------------------------------------------------


def visible_runs(*, scope: Scope, with_policy: bool = True) -> dict[dt.date, GradingRun]:
    """For every month the user may see, the run whose results he sees, newest month first (one query).

    A published run wins; otherwise HQ and district managers see the latest draft under review.
    ``with_policy=False``: without the join of each run's policy (46 columns, half the query's time), for a
    page that reads the policy of one run at most, and only when it is not served from the cache.
    """
    states = [RunState.PUBLISHED] if scope.is_hall_manager else [RunState.PUBLISHED, RunState.DRAFT]
    if scope.role is None:
        return {}
    runs = GradingRun.objects.filter(is_what_if=False, state__in=states)
    if with_policy:
        runs = runs.select_related("policy")
    chosen: dict[dt.date, GradingRun] = {}
    for run in runs.order_by("month", "revision"):
        current = chosen.get(run.month)
        if current is None or current.state != RunState.PUBLISHED:
            chosen[run.month] = run
    return dict(sorted(chosen.items(), reverse=True))


def month_choose(*, runs: dict[dt.date, GradingRun], requested: dt.date | None) -> dt.date | None:
    """The requested month, or the newest visible one."""
    if requested is not None:
        return requested
    return next(iter(runs), None)


def _scope_cities(scope: Scope) -> QuerySet:
    """The ids of the cities the scope touches, as a subquery: HQ's are every city, a manager's those of his
    districts, a hall manager's his hall's. Read from the scope's own rows, not from the halls (a semi-join over
    every hall of the province cost the ranking page more than the rest of its queries together)."""
    if scope.is_hq:
        return CityCompany.objects.values("pk")
    if scope.manages_districts:
        return DistrictCompany.objects.filter(pk__in=scope.district_ids).values("city_id")
    if scope.is_hall_manager and scope.hall_id is not None:
        return Hall.objects.filter(pk=scope.hall_id).values("district__city_id")
    return CityCompany.objects.none().values("pk")


def hall_statuses_in(*, hall_ids: list[int], month: dt.date) -> dict[int, str]:
    """:func:`scoring.selectors.hall_status_in` for many halls in one query: the status each carries in
    ``month``, set by the published grading of the month before (normal when there is none)."""
    previous = month_add(month_start(month), -1)
    rows = HallMonthResult.objects.filter(
        hall_id__in=hall_ids, month=previous, run__state=RunState.PUBLISHED, run__is_what_if=False
    ).values_list("hall_id", "next_status")
    found = dict(rows)
    return {hall_id: found.get(hall_id, HallStatus.NORMAL) for hall_id in hall_ids}


# --- Hall archive --------------------------------------------------------------------------------


@dataclass
class ExplanationLine:
    label: str
    score: Decimal | None = None
    weight: Decimal | None = None
    contribution: Decimal | None = None
    kind: str = "dimension"  # dimension, subtotal, bonus, deduction, veto, total


@dataclass
class Archive:
    hall: Hall
    months: list[dt.date]
    month: dt.date | None
    run: GradingRun | None = None
    result: HallMonthResult | None = None
    previous: HallMonthResult | None = None
    district_size: int | None = None
    kind_size: int | None = None
    trend: dict = field(default_factory=dict)
    dimensions: list[dict] = field(default_factory=list)
    weak: list[dict] = field(default_factory=list)
    explanation: list[ExplanationLine] = field(default_factory=list)
    rectifications: list = field(default_factory=list)
    repair_cases: list = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return self.run is not None and self.run.state != RunState.PUBLISHED

    @property
    def status_meaning(self) -> str:
        return str(STATUS_MEANING[self.result.next_status]) if self.result else ""

    @property
    def rank_change(self) -> int | None:
        if self.result and self.previous and self.result.rank_city and self.previous.rank_city:
            return self.previous.rank_city - self.result.rank_city
        return None

    @property
    def rank_fall(self) -> int | None:
        change = self.rank_change
        return None if change is None else -change


def _run_stamp(run: GradingRun | None) -> str:
    """A run's identity as far as its results go, for cache keys: a draft regraded in place finishes
    again; "" for a run not finished, whose results may still change (not to be cached)."""
    if run is None:
        return "none"
    return f"{run.pk}.{run.finished_at.timestamp():.6f}" if run.finished_at else ""


def _group_sizes(*, run: GradingRun, hall: Hall) -> tuple[int, int]:
    """How many halls were graded in the hall's district and among its city's halls of its kind. Counted
    for every district and every city and kind of the run at once (one GROUP BY district and hall kind)
    and kept in the cache for as long as the run's results: each hall's page reads its two from there."""

    def count() -> dict[tuple, int]:
        sizes: dict[tuple, int] = defaultdict(int)
        groups = (
            HallMonthResult.objects.filter(run=run, graded=True)
            .values_list("hall__district_id", "hall__district__city_id", "hall__kind")
            .annotate(halls=Count("pk"))
            .order_by()
        )
        for district_id, city_id, kind, halls in groups:  # one row per district and hall kind
            sizes["district", district_id] += halls
            sizes["kind", city_id, kind] += halls
        return dict(sizes)

    stamp = _run_stamp(run)
    sizes = cache.get_or_set(f"archive:group-sizes:{stamp}", count, ARCHIVE_CACHE_SECONDS) if stamp else count()
    return sizes.get(("district", hall.district_id), 0), sizes.get(("kind", hall.district.city_id, hall.kind), 0)


def composite_explain(result: HallMonthResult) -> list[ExplanationLine]:
    """The composite line by line: dimension score × weight = contribution; bonus; deductions; veto cap."""
    lines: list[ExplanationLine] = []
    subtotal = Decimal("0")
    for label, score, weight in (
        (_("暗访"), result.mystery_score, result.mystery_weight),
        (_("客户满意度"), result.satisfaction_score, result.satisfaction_weight),
        (_("明查及远程检查"), result.inspection_score, result.inspection_weight),
        (_("投诉"), result.complaint_score, result.complaint_weight),
    ):
        contribution = q2(score * weight / 100) if score is not None and weight is not None else None
        subtotal += contribution or 0
        lines.append(ExplanationLine(str(label), score, weight, contribution))
    lines.append(ExplanationLine(str(_("加权小计")), contribution=subtotal, kind="subtotal"))
    lines.append(ExplanationLine(str(_("加分（已按上限封顶）")), contribution=result.bonus_points, kind="bonus"))
    lines.append(ExplanationLine(str(_("扣分")), contribution=-result.deduction_points, kind="deduction"))
    if result.vetoed:
        cap = result.run.policy.veto_cap
        lines.append(ExplanationLine(str(_("一票否决：封顶")), contribution=cap, kind="veto"))
    lines.append(ExplanationLine(str(_("综合得分")), contribution=result.composite, kind="total"))
    return lines


def scored_items_in(*, months: list[dt.date]) -> QuerySet:
    """Scored, applicable item results of submitted inspections in ``months``."""
    return InspectionItem.objects.filter(
        inspection__state=InspectionState.SUBMITTED,
        inspection__month__in=months,
        indicator__kind=IndicatorKind.SCORED,
        not_applicable=False,
        points__isnull=False,
    )


LEVEL1 = "indicator__parent__parent__"  # an item's level-1 ancestor in the tree


def _dimension_sums(*, items: QuerySet) -> dict[str, dict]:
    """Per level-1 indicator of ``items``: its name, order, and the points applicable and awarded."""
    rows = items.values(f"{LEVEL1}code").annotate(
        name=Min(name_field(LEVEL1)),
        order=Min(f"{LEVEL1}order"),
        max_total=Sum("max_points"),
        awarded=Sum("points"),
    )
    return {row[f"{LEVEL1}code"]: row for row in rows}


def city_dimension_sums_all(*, month: dt.date) -> list[dict]:
    """Per city and level-1 indicator, the points applicable and awarded in ``month``, with the level-1
    indicator's names in both languages, keyed as :class:`CityDimensionFigure`'s fields: what the hall
    archives compare a hall with, stored when the month is published. One scan of the month's items,
    grouped by city and leaf; the leaves are folded into their level-1 ancestors here (the tree has tens
    of indicators; joining it in SQL made PostgreSQL misjudge the rows and read every month's items)."""
    level1_of = {
        leaf.pk: leaf.parent.parent
        for leaf in Indicator.objects.filter(kind=IndicatorKind.SCORED, level=3).select_related("parent__parent")
    }
    sums = (
        InspectionItem.objects.filter(
            inspection__state=InspectionState.SUBMITTED,
            inspection__month=month,
            indicator_id__in=list(level1_of),
            not_applicable=False,
            points__isnull=False,
        )
        .values("indicator_id", city=F("inspection__hall__district__city_id"))
        .annotate(max_total=Sum("max_points"), awarded=Sum("points"))
    )
    figures: dict[tuple[int, str], dict] = {}
    for row in sums:
        top = level1_of[row["indicator_id"]]
        figure = figures.setdefault(
            (row["city"], top.code),
            {
                "city_id": row["city"],
                "code": top.code,
                "name_zh": top.name_zh,
                "name_en": top.name_en,
                "order": top.order,
                "max_total": Decimal(0),
                "awarded": Decimal(0),
            },
        )
        # A month whose inspections were scored against two versions of the tree: the live sums take the
        # smallest name and order of a code too.
        figure["name_zh"], figure["name_en"] = min(figure["name_zh"], top.name_zh), min(figure["name_en"], top.name_en)
        figure["order"] = min(figure["order"], top.order)
        figure["max_total"] += row["max_total"]
        figure["awarded"] += row["awarded"]
    return list(figures.values())


def _city_dimension_sums(*, city_id: int, month: dt.date, run: GradingRun | None) -> dict[str, dict]:
    """The city's sums, the same for each of its halls: a published run's are stored at publication; a
    month published before they were (none stored) sums the city's items once, then reads the cache; a
    draft's follow each new inspection."""
    items = scored_items_in(months=[month]).filter(inspection__hall__district__city_id=city_id)
    if run is None or run.state != RunState.PUBLISHED:
        return _dimension_sums(items=items)
    stored = {
        figure.code: {
            "name": figure.name,
            "order": figure.order,
            "max_total": figure.max_total,
            "awarded": figure.awarded,
        }
        for figure in CityDimensionFigure.objects.filter(run=run, city_id=city_id)
    }
    if stored:
        return stored
    key = f"archive:city-dimensions:{city_id}:{month:%Y-%m}:{run.pk}:{get_language()}"
    return cache.get_or_set(key, lambda: _dimension_sums(items=items), ARCHIVE_CACHE_SECONDS)


def _dimensions_against_city(*, hall: Hall, month: dt.date, run: GradingRun | None) -> list[dict]:
    """Per level-1 indicator: the hall's and the city's share of points awarded in the month."""
    city = _city_dimension_sums(city_id=hall.district.city_id, month=month, run=run)
    own = _dimension_sums(items=scored_items_in(months=[month]).filter(inspection__hall_id=hall.pk))
    result = []
    for code, row in sorted(city.items(), key=lambda pair: pair[1]["order"]):
        mine = own.get(code, {})
        hall_share = share_lost(mine.get("max_total"), mine.get("awarded"))
        city_share = share_lost(row["max_total"], row["awarded"])
        result.append(
            {
                "code": code,
                "name": row["name"],
                "hall": None if hall_share is None else 100 - hall_share,
                "city": None if city_share is None else 100 - city_share,
            }
        )
    return result


def _weakest_indicators(*, hall: Hall, month: dt.date) -> list[dict]:
    """The level-3 indicators on which the hall lost the largest share of its points over the last
    three months (one query): lost = Σ(max − awarded) / Σ max × 100."""
    months = [month_add(month, -offset) for offset in range(WEAK_MONTHS)]
    rows = (
        scored_items_in(months=months)
        .filter(inspection__hall_id=hall.pk)
        .values("indicator__code")
        .annotate(
            name=Min(name_field("indicator__")),
            parent=Min(name_field("indicator__parent__")),
            max_total=Sum("max_points"),
            awarded=Sum("points"),
            checks=Count("pk"),
        )
    )
    weak = []
    for row in rows:
        share = share_lost(row["max_total"], row["awarded"])
        if share:
            weak.append(
                {
                    "code": row["indicator__code"],
                    "name": row["name"],
                    "parent": row["parent"],
                    "lost": q2(row["max_total"] - row["awarded"]),
                    "share_lost": share,
                    "checks": row["checks"],
                }
            )
    weak.sort(key=lambda item: (-item["share_lost"], -item["lost"], item["code"]))
    return weak[:WEAK_LIMIT]


def _evidence_figures(*, hall: Hall, month: dt.date, runs: dict[dt.date, GradingRun]) -> tuple[list, list]:
    """The hall's level-1 dimensions against its city in ``month`` and its weakest indicators over the
    three months to ``month``, both summed from item results. Once each of those months is published its
    evidence is frozen, so the figures are kept in the cache under the three runs (a draft's are read anew)."""

    def compute() -> tuple[list, list]:
        return (
            _dimensions_against_city(hall=hall, month=month, run=runs.get(month)),
            _weakest_indicators(hall=hall, month=month),
        )

    window = [runs.get(month_add(month, -offset)) for offset in range(WEAK_MONTHS)]
    if any(run is None or run.state != RunState.PUBLISHED for run in window):
        return compute()
    stamps = ":".join(_run_stamp(run) for run in window)
    return cache.get_or_set(f"archive:evidence:{hall.pk}:{stamps}:{get_language()}", compute, ARCHIVE_CACHE_SECONDS)


def _hall_results(*, hall: Hall, runs: list[GradingRun]) -> list[HallMonthResult]:
    """The hall's rows in ``runs``, each with its run (and policy) from ``runs`` rather than a join. A
    finished run's rows never change, so they are kept in the cache under the runs' stamps."""

    def read() -> list[HallMonthResult]:
        return list(HallMonthResult.objects.filter(hall=hall, run_id__in=[run.pk for run in runs]))

    stamps = [_run_stamp(run) for run in runs]
    if "" in stamps:
        rows = read()
    else:  # twelve stamps would pass memcached's 250 characters: their digest names them
        digest = hashlib.md5(":".join(stamps).encode(), usedforsecurity=False).hexdigest()
        rows = cache.get_or_set(f"archive:results:{hall.pk}:{digest}", read, ARCHIVE_CACHE_SECONDS)
    by_pk = {run.pk: run for run in runs}
    for row in rows:
        row.run = by_pk[row.run_id]
    return rows


def _graded(results: dict) -> list:
    return [r for r in results.values() if r.composite is not None]


@dataclass
class Outstanding:
    rectifications: list
    repair_cases: list


def hall_outstanding(*, hall: Hall) -> Outstanding:
    """The hall's outstanding rectifications and customers to repair (two queries). Only what the archive
    shows of them: these change any day, so they are read for each request (never cached), but narrowly."""
    return Outstanding(
        rectifications=list(
            Rectification.objects.filter(hall=hall, state__in=OUTSTANDING_STATES)
            .select_related("indicator")
            .only("hall", "due_date", "indicator__code", "indicator__name_zh", "indicator__name_en")
            .order_by("due_date")[:20]
        ),
        repair_cases=list(
            RepairCase.objects.filter(hall=hall, state__in=[RepairState.OPEN, RepairState.CONTACTED])
            .select_related("response")
            .only("hall", "state", "response__responded_at", "response__overall")
            .order_by("-response__responded_at")[:20]
        ),
    )


def hall_archive(
    *,
    runs: dict[dt.date, GradingRun],
    hall: Hall,
    month: dt.date | None = None,
    outstanding: Outstanding | None = None,
) -> Archive:
    """The hall's service archive for ``month`` (default: the newest month the user may see).

    ``hall`` comes from :func:`halls.selectors.hall_get`, which has checked the scope, and ``runs`` from
    :func:`visible_runs` for the same user. At most eight queries, whatever the hall's history; the hall's
    page of a published month, asked for again, two (its outstanding rectifications and repair cases, read
    here unless ``outstanding`` brings them).
    """
    chosen = month_choose(runs=runs, requested=month)
    archive = Archive(hall=hall, months=list(runs), month=chosen)
    outstanding = outstanding or hall_outstanding(hall=hall)
    archive.rectifications, archive.repair_cases = outstanding.rectifications, outstanding.repair_cases
    if chosen is None:
        return archive
    trend_months = [month_add(chosen, -offset) for offset in range(TREND_MONTHS - 1, -1, -1)]
    results = {r.month: r for r in _hall_results(hall=hall, runs=[runs[m] for m in trend_months if m in runs])}
    archive.run = runs.get(chosen)
    archive.result = results.get(chosen)
    archive.previous = results.get(month_add(chosen, -1))
    archive.trend = {
        "months": [f"{m:%Y-%m}" for m in trend_months],
        "composite": [
            float(results[m].composite) if m in results and results[m].composite is not None else None
            for m in trend_months
        ],
        "rank": [results[m].rank_city if m in results else None for m in trend_months],
        "labels": {"composite": str(_("综合得分")), "rank": str(_("地市排名")), "gap": str(_("无结果"))},
        # The score axis starts at 0: an axis fitted to the data (83–89) made a 5-point change look like a
        # collapse. It ends at 100, or above when bonus points carried a month past it.
        "composite_axis": {"min": 0, "max": max([100, *(math.ceil(r.composite) for r in _graded(results))])},
        # The rank axis spans the city (1 at the top, the city's size at the bottom), so 2nd of 40 sits near
        # the top instead of at the floor of a 1-to-2 axis.
        "rank_max": max([1, *(r.city_size or 1 for r in results.values())]),
        # Months without a published result are drawn as gaps; they are named, on the chart and beneath it.
        "gaps": [f"{m:%Y-%m}" for m in trend_months if m not in results or results[m].composite is None],
    }
    if archive.result is not None:
        archive.explanation = composite_explain(archive.result)
        archive.district_size, archive.kind_size = _group_sizes(run=archive.run, hall=hall)
        if archive.result.ranking_group == RankingGroup.CITY_KIND:
            archive.kind_size = archive.result.group_size  # the group its kind rank was taken in, as graded
        archive.dimensions, archive.weak = _evidence_figures(hall=hall, month=chosen, runs=runs)
    return archive


# --- Rankings ------------------------------------------------------------------------------------

RANKING_SORTS = {
    "rank": (F("rank_city").asc(nulls_last=True), "hall__code"),
    "-rank": (F("rank_city").desc(nulls_last=True), "hall__code"),
    "composite": (F("composite").asc(nulls_last=True), "hall__code"),
    "-composite": (F("composite").desc(nulls_last=True), "hall__code"),
    "code": ("hall__code",),
    "district": ("hall__district__code", F("rank_district").asc(nulls_last=True)),
    "movement": (F("movement").desc(nulls_last=True), "rank_city"),
    "-movement": (F("movement").asc(nulls_last=True), "rank_city"),
}


@dataclass
class RankingFilter:
    month: dt.date | None = None
    city_id: int | None = None
    district_id: int | None = None
    kind: str = ""
    sort: str = "rank"


def ranking_results(*, scope: Scope, runs: dict[dt.date, GradingRun], criteria: RankingFilter) -> QuerySet:
    """The graded results of the month among the cities the user's scope touches, filtered and sorted,
    each with ``previous_rank`` (city rank the month before) and ``movement`` (places gained)."""
    # No run for the month gives an empty queryset that still carries the annotations, so that
    # ranking_movers and the sorts work on it.
    run = runs.get(criteria.month) if criteria.month else None
    previous_run = runs.get(month_add(criteria.month, -1)) if criteria.month else None
    # Last month's row of the same hall, as a LEFT JOIN (one hash join over the month, not a subquery
    # per row: the movers sort every row by its movement).
    previous = FilteredRelation(
        "hall__results",
        condition=Q(hall__results__run_id=previous_run.pk if previous_run else None, hall__results__graded=True),
    )
    qs = (
        HallMonthResult.objects.filter(run=run, graded=True, hall__district__city_id__in=_scope_cities(scope))
        .select_related("hall__district__city", "hall__marketing_unit")
        .alias(previous=previous)
        .annotate(previous_rank=F("previous__rank_city"))
        .annotate(movement=F("previous_rank") - F("rank_city"))
    )
    if criteria.city_id:
        qs = qs.filter(hall__district__city_id=criteria.city_id)
    if criteria.district_id:
        qs = qs.filter(hall__district_id=criteria.district_id)
    if criteria.kind:
        qs = qs.filter(hall__kind=criteria.kind)
    return qs.order_by(*RANKING_SORTS.get(criteria.sort, RANKING_SORTS["rank"]))


def ranking_movers(*, results: QuerySet, limit: int = 5) -> dict[str, list[HallMonthResult]]:
    """The halls that climbed and fell most against last month, among ``results`` (two queries)."""
    moved = results.filter(movement__isnull=False).order_by()
    return {
        "up": list(moved.filter(movement__gt=0).order_by("-movement", "rank_city")[:limit]),
        "down": list(moved.filter(movement__lt=0).order_by("movement", "rank_city")[:limit]),
    }


RANKING_CACHE_SECONDS = 600  # a hall renamed meanwhile shows its new name within ten minutes


class _LazyRows(Sequence):
    """One page's rows, loaded when something first reads them: a page whose rendered rows are in the
    template's fragment cache never needs them."""

    def __init__(self, load: Callable[[], list[HallMonthResult]]):
        self._load = load

    @cached_property
    def _rows(self) -> list[HallMonthResult]:
        return self._load()

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        return self._rows[index]


RANK_TREND_MONTHS = 6


def ranking_trends_attach(*, rows: list[HallMonthResult], runs: dict[dt.date, GradingRun], month: dt.date) -> None:
    """Give each row ``rank_trend``: its hall's city rank in each of the last six months up to ``month``
    (None where it was not graded or the month has no visible run), oldest first; one query for the page."""
    months = [month_add(month, -offset) for offset in range(RANK_TREND_MONTHS - 1, -1, -1)]
    run_months = {runs[m].pk: m for m in months if m in runs}
    ranks = defaultdict(dict)
    for hall_id, run_id, rank in HallMonthResult.objects.filter(
        run_id__in=list(run_months), hall_id__in=[row.hall_id for row in rows], graded=True
    ).values_list("hall_id", "run_id", "rank_city"):
        ranks[hall_id][run_months[run_id]] = rank
    for row in rows:
        row.rank_trend = [ranks[row.hall_id].get(m) for m in months]


@dataclass
class _CachedRows:
    """The paginator's object list: its length is the (cached) count, and the one slice it is asked for
    is read once for everyone with the same scope, month and filters, then kept for a few minutes."""

    results: Callable[[], QuerySet]
    key: str
    total: int
    # Completes a page's rows (their rank trends) before they are cached.
    complete: Callable[[list], list] = lambda rows: rows

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, page: slice) -> _LazyRows:
        return _LazyRows(
            lambda: cache.get_or_set(
                f"{self.key}:{page.start}:{page.stop}",
                lambda: self.complete(list(self.results()[page])),
                RANKING_CACHE_SECONDS,
            )
        )


def _viewer_key(scope: Scope) -> str:
    """Who the rows are for, for cache keys: the cities a scope touches follow from its districts or hall
    (HQ: all of them), and so do the rows a viewer sees highlighted as his own and may open."""
    if scope.is_hq:
        return "all"
    who = ".".join(str(pk) for pk in sorted(scope.district_ids)) if scope.manages_districts else scope.hall_id
    return f"{scope.role}:{who}"


@dataclass
class RankingPage:
    page: Page
    movers: dict[str, list[HallMonthResult]]
    # Names everything the page's rows and movers depend on (runs and their finishing times, viewer,
    # filters, page, language), for the template's fragment cache; None while a run may still change.
    rows_key: str | None = None
    movers_key: str | None = None


def ranking_page(
    *, scope: Scope, runs: dict[dt.date, GradingRun], criteria: RankingFilter, page: str | None, per_page: int
) -> RankingPage:
    """One page of :func:`ranking_results` and the movers.

    A finished run's results do not change, so the count, each page and the movers of the same scope,
    month and filters are read once and kept in the cache (keys name the runs and their finishing times);
    a run still running is never cached."""
    run = runs.get(criteria.month) if criteria.month else None
    previous_run = runs.get(month_add(criteria.month, -1)) if criteria.month else None
    stamps = (_run_stamp(run), _run_stamp(previous_run))

    def complete(rows: list) -> list:
        if criteria.month and rows:
            ranking_trends_attach(rows=rows, runs=runs, month=criteria.month)
        return rows

    if "" in stamps:
        results = ranking_results(scope=scope, runs=runs, criteria=criteria)
        shown = Paginator(results, per_page).get_page(page)
        shown.object_list = complete(list(shown.object_list))
        return RankingPage(shown, ranking_movers(results=results))

    def results() -> QuerySet:  # built only for what is not in the cache yet
        return ranking_results(scope=scope, runs=runs, criteria=criteria)

    filters = f"{criteria.city_id}:{criteria.district_id}:{criteria.kind}:{criteria.sort}"
    key = f"ranking:v2:{stamps[0]}:{stamps[1]}:{_viewer_key(scope)}:{filters}:{get_language()}"
    total = cache.get_or_set(f"{key}:count", lambda: results().count(), RANKING_CACHE_SECONDS)
    movers = cache.get_or_set(f"{key}:movers", lambda: ranking_movers(results=results()), RANKING_CACHE_SECONDS)
    shown = Paginator(_CachedRows(results, key, total, complete), per_page).get_page(page)
    return RankingPage(shown, movers, rows_key=f"{key}:{shown.start_index()}:{per_page}", movers_key=key)


@dataclass(frozen=True)
class RankingChoices:
    """The cities and districts the ranking filter offers, as (id, name) pairs, and a digest of them that
    changes whenever one is added, removed or renamed (for the cache of the rendered options)."""

    cities: list[tuple[int, str]]
    districts: list[tuple[int, str]]

    @cached_property
    def version(self) -> str:
        return hashlib.md5(repr((self.cities, self.districts)).encode(), usedforsecurity=False).hexdigest()


def ranking_choices(*, scope: Scope) -> RankingChoices:
    """The cities the scope touches and all their districts, in code order (one query)."""
    rows = (
        DistrictCompany.objects.filter(city_id__in=_scope_cities(scope))
        .order_by("code")
        .values_list("pk", "name", "city_id", "city__code", "city__name")
    )
    cities: dict[int, tuple[str, str]] = {}
    districts = []
    for pk, name, city_id, city_code, city_name in rows:
        districts.append((pk, name))
        cities[city_id] = (city_code, city_name)
    by_code = sorted(cities.items(), key=lambda pair: pair[1][0])
    return RankingChoices(cities=[(pk, name) for pk, (_code, name) in by_code], districts=districts)


GRADES = [grade for grade, _label in Grade.choices]
