"""Mystery-shopper visits (暗访): one row per visit, one column per indicator code.

Each row is scored against the scheme in force on its visit date: a scored level-3 indicator takes
points between 0 and its maximum, or 不适用 where the indicator allows it; a veto column takes 是/否;
deduction and bonus columns take points up to the indicator's, blank meaning none. The visit is stored as
an ``Inspection`` of kind ``mystery``, submitted, with its totals (``inspections.services.totals``, the one
rule for every check), and its lost points and vetoes open rectifications like any inspection.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from halls.bulk import rows_insert, tables_analyze
from halls.errors import ApplicationError
from halls.models import GradingPolicy, Staff
from halls.months import month_add
from halls.selectors import policy_in_force
from inspections.models import (
    Indicator,
    IndicatorKind,
    IndicatorScheme,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionState,
    SchemeState,
)
from inspections.services.plans import plan_lines_fulfil_by_visits
from inspections.services.rectification import rectifications_open_for
from inspections.services.totals import Totals, totals_compute
from surveys.imports import cells
from surveys.imports.framework import HEADER_ROW, Column, Importer, Record, Row, RowError
from surveys.models import ImportKind

logger = logging.getLogger(__name__)
ZERO = Decimal("0")
IND_PREFIX = "ind:"


class ItemResult(NamedTuple):
    """One item of a visit before it is saved (a tuple: a 50,000-row file makes 1.3 million of them)."""

    indicator_id: int
    kind: str
    points: Decimal | None
    max_points: Decimal
    not_applicable: bool = False
    note: str = ""


def visit_totals(items: list[ItemResult]) -> Totals:
    """The one inspection totals rule (``inspections.services.totals``) over a visit's parsed items."""
    return totals_compute((item.kind, item.points, item.max_points, item.not_applicable) for item in items)


class _SchemeIndex:
    """Every non-draft scheme with its indicators, loaded once, and which one governs a month."""

    def __init__(self):
        self.schemes = list(IndicatorScheme.objects.exclude(state=SchemeState.DRAFT).order_by("effective_from"))
        self.indicators: dict[int, dict[str, Indicator]] = defaultdict(dict)
        parents: set[int] = set(
            Indicator.objects.filter(scheme__in=self.schemes, parent__isnull=False).values_list("parent_id", flat=True)
        )
        self.leaves: dict[int, list[Indicator]] = defaultdict(list)
        for indicator in Indicator.objects.filter(scheme__in=self.schemes).order_by("order"):
            self.indicators[indicator.scheme_id][indicator.code] = indicator
            if indicator.kind != IndicatorKind.SCORED or (indicator.level == 3 and indicator.pk not in parents):
                self.leaves[indicator.scheme_id].append(indicator)
        self.all_codes = {code for codes in self.indicators.values() for code in codes}
        self._by_month: dict[dt.date, IndicatorScheme | None] = {}

    def for_month(self, month: dt.date) -> IndicatorScheme | None:
        if month not in self._by_month:
            found = None
            for scheme in self.schemes:
                if scheme.effective_from <= month:
                    found = scheme
            self._by_month[month] = found
        return self._by_month[month]


ITEM_COLUMNS = ("inspection_id", "indicator_id", "points", "max_points", "not_applicable", "note", "staff_id")
INSPECTION_COLUMNS = (
    "hall_id", "scheme_id", "kind", "state", "inspected_at", "month", "vendor", "external_id", "scenario",
    "shopper_code", "note", "points_awarded", "points_applicable", "score", "vetoed", "bonus_points",
    "deduction_points", "import_batch_id", "submitted_at", "created_at", "lock_version",
)  # fmt: skip


def _due_days(month: dt.date) -> int:
    try:
        return policy_in_force(month=month).rectification_due_days
    except ApplicationError:  # no policy yet: the policy model's own default
        return GradingPolicy._meta.get_field("rectification_due_days").default


def _is_finding(item: ItemResult) -> bool:
    """An item that found something, and so is named after the clerk on duty: as ``scoring.selectors.staff``
    counts findings (a scored item short of its points, a deduction taken, a veto)."""
    if item.kind == IndicatorKind.SCORED:
        return not item.not_applicable and item.points is not None and item.points < item.max_points
    if item.kind == IndicatorKind.DEDUCTION:
        return bool(item.points)
    return item.kind == IndicatorKind.VETO


class VisitImporter(Importer):
    kind = ImportKind.MYSTERY_VISITS
    sheet_name = "暗访结果"
    title = "暗访结果"
    columns = [
        Column("external_id", "暗访编号", "MV-2026-000001"),
        Column("vendor", "暗访机构", "某某调研公司"),
        Column("hall_code", "营业厅编码", "SJZ-01-001"),
        Column("visited_at", "暗访时间", "2026-03-05 10:30"),
        Column("scenario", "暗访场景", "办理套餐变更"),
        Column("shopper_code", "暗访员编号", "S001"),
        # The clerk who served the shopper: every finding of the visit is named after him.
        Column("staff_no", "当班营业员工号", "", required=False),
        Column("comment", "备注", "", required=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._schemes: _SchemeIndex | None = None
        self._missing_reported: set[tuple[int, str]] = set()
        self._verdicts: dict[tuple[int, object], tuple[ItemResult | None, str]] = {}
        # hall id → employee no → (staff id, first day, last day or None), read once per hall in the file
        self._staff: dict[int, dict[str, tuple[int, dt.date, dt.date | None]]] = {}

    @property
    def schemes(self) -> _SchemeIndex:
        if self._schemes is None:
            self._schemes = _SchemeIndex()
        return self._schemes

    def template_columns(self) -> list[Column]:
        scheme = self.schemes.for_month(timezone.localdate().replace(day=1))
        extra = []
        for indicator in self.schemes.leaves.get(scheme.pk, []) if scheme else []:
            if indicator.kind == IndicatorKind.VETO:
                example = "否"
            elif indicator.kind == IndicatorKind.SCORED:
                example = format(indicator.points.normalize(), "f")
            else:
                example = ""
            extra.append(Column(IND_PREFIX + indicator.code, f"{indicator.code} {indicator.name_zh}", example))
        return self.columns[:-1] + extra + self.columns[-1:]

    def extra_column(self, title: str) -> str | None:
        code = title.split()[0] if title.split() else ""
        return IND_PREFIX + code if code in self.schemes.all_codes else None

    def header_titles(self) -> dict[str, str]:
        titles = super().header_titles()
        titles.update({IND_PREFIX + code: code for code in self.schemes.all_codes})
        return titles

    def parse(self, row: Row) -> Record | None:
        external_id = row.get("external_id", cells.text, max_length=64)
        vendor = row.get("vendor", cells.text, max_length=64)
        hall_id = self.hall_id(row)
        visited_at = row.get("visited_at", cells.datetime)
        scenario = row.get("scenario", cells.text, required=False, max_length=128)
        shopper_code = row.get("shopper_code", cells.text, required=False, max_length=64)
        comment = row.get("comment", cells.text, required=False, max_length=2000)
        staff_no = row.get("staff_no", cells.text, required=False, max_length=32)
        if visited_at is None:
            return None
        month = timezone.localtime(visited_at).date().replace(day=1)
        staff_id = self._staff_on_duty(row, hall_id=hall_id, employee_no=staff_no, month=month) if staff_no else None
        scheme = self.schemes.for_month(month)
        if scheme is None:
            row.error("visited_at", _("%(month)s 没有生效的指标体系") % {"month": f"{month:%Y-%m}"})
            return None
        items = self._items(row, scheme)
        if not row.ok:
            return None
        totals = visit_totals(items)
        return Record(
            row=row.number,
            key=(vendor, external_id),
            month=month,
            data={
                "inspection": dict(
                    hall_id=hall_id,
                    scheme_id=scheme.pk,
                    kind=InspectionKind.MYSTERY,
                    state=InspectionState.SUBMITTED,
                    inspected_at=visited_at,
                    month=month,
                    vendor=vendor,
                    external_id=external_id,
                    scenario=scenario or "",
                    shopper_code=shopper_code or "",
                    note=comment or "",
                    points_awarded=totals.points_awarded,
                    points_applicable=totals.points_applicable,
                    score=totals.score,
                    vetoed=totals.vetoed,
                    bonus_points=totals.bonus_points,
                    deduction_points=totals.deduction_points,
                ),
                "items": items,
                "staff_id": staff_id,
            },
        )

    def _staff_on_duty(self, row: Row, *, hall_id: int | None, employee_no: str, month: dt.date) -> int | None:
        """The id of the hall's clerk ``employee_no`` when he was employed in ``month``; else an error on the row."""
        if hall_id is None:
            return None
        if hall_id not in self._staff:
            self._staff[hall_id] = {
                no: (pk, start, end)
                for pk, no, start, end in Staff.objects.filter(hall_id=hall_id).values_list(
                    "pk", "employee_no", "active_from", "active_to"
                )
            }
        found = self._staff[hall_id].get(employee_no)
        after = month_add(month, 1)
        if found is None or found[1] >= after or (found[2] is not None and found[2] < month):
            row.error("staff_no", _("%(no)s 不是该营业厅当月在职的营业员") % {"no": employee_no})
            return None
        return found[0]

    def _items(self, row: Row, scheme: IndicatorScheme) -> list[ItemResult]:
        indicators = self.schemes.indicators[scheme.pk]
        for key, value in row.cells.items():
            if key.startswith(IND_PREFIX) and value != "" and key[len(IND_PREFIX) :] not in indicators:
                row.error(key, _("该日适用的指标体系 v%(version)s 中没有此指标编码") % {"version": scheme.version})
        items: list[ItemResult] = []
        for indicator in self.schemes.leaves[scheme.pk]:
            key = IND_PREFIX + indicator.code
            if key not in row.cells:
                if indicator.kind == IndicatorKind.SCORED:
                    row.ok = False
                    if (scheme.pk, indicator.code) not in self._missing_reported:
                        self._missing_reported.add((scheme.pk, indicator.code))
                        row.errors.append(
                            RowError(
                                HEADER_ROW,
                                indicator.code,
                                _("缺少指标列（v%(version)s 指标体系的三级指标）") % {"version": scheme.version},
                            )
                        )
                continue
            # A file repeats the same few values per indicator (1.3 million cells in 50,000 visits): each
            # (indicator, value) is judged once, and its item, an immutable tuple, is shared.
            value = row.cells[key]
            cache_key = (indicator.pk, value)
            verdict = self._verdicts.get(cache_key)
            if verdict is None:
                verdict = self._verdicts[cache_key] = self._judge(indicator, value)
            item, error = verdict
            if error:
                row.error(key, error)
            elif item is not None:
                items.append(item)
        return items

    def _judge(self, indicator: Indicator, value) -> tuple[ItemResult | None, str]:
        """The item one cell makes for one indicator, or the reason it is wrong."""
        try:
            if indicator.kind == IndicatorKind.SCORED:
                if isinstance(value, str) and value.lower() in cells.NA_WORDS:
                    if not indicator.allow_na:
                        return None, _("该指标不可标记为不适用")
                    return ItemResult(indicator.pk, indicator.kind, None, indicator.points, True), ""
                points = cells.decimal(value, low=ZERO, high=indicator.points)
                return ItemResult(indicator.pk, indicator.kind, points, indicator.points), ""
            if indicator.kind == IndicatorKind.VETO:
                if cells.boolean(value):
                    return ItemResult(indicator.pk, indicator.kind, None, ZERO, note=_("暗访触发一票否决")), ""
                return None, ""
            points = cells.decimal(value, low=ZERO, high=indicator.points or ZERO, required=False)
            if points:
                return ItemResult(indicator.pk, indicator.totals_kind, points, indicator.points or ZERO), ""
            return None, ""
        except cells.CellError as exc:
            return None, str(exc)

    def existing_keys(self, keys: list) -> set:
        by_vendor: dict[str, list[str]] = defaultdict(list)
        for vendor, external_id in keys:
            by_vendor[vendor].append(external_id)
        found: set = set()
        for vendor, ids in by_vendor.items():
            for start in range(0, len(ids), 900):
                found.update(
                    Inspection.objects.filter(vendor=vendor, external_id__in=ids[start : start + 900]).values_list(
                        "vendor", "external_id"
                    )
                )
        return found

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        # Large files: rows_insert instead of bulk_create (see halls.bulk), then the new ids by key.
        clock = time.perf_counter()
        now = timezone.now()
        extra = {"import_batch_id": batch_id, "submitted_at": now, "created_at": now, "lock_version": 0}
        rows_insert(
            Inspection,
            INSPECTION_COLUMNS,
            ([{**record.data["inspection"], **extra}[column] for column in INSPECTION_COLUMNS] for record in records),
        )
        ids = {
            (vendor, external_id): (pk, month)
            for pk, vendor, external_id, month in Inspection.objects.filter(import_batch_id=batch_id).values_list(
                "pk", "vendor", "external_id", "month"
            )
        }
        inserted_s = time.perf_counter() - clock
        rows_insert(
            InspectionItem,
            ITEM_COLUMNS,
            (
                (
                    ids[record.key][0],
                    item.indicator_id,
                    item.points,
                    item.max_points,
                    item.not_applicable,
                    item.note,
                    record.data["staff_id"] if _is_finding(item) else None,
                )
                for record in records
                for item in record.data["items"]
            ),
        )
        items_s = time.perf_counter() - clock - inserted_s
        tables_analyze(Inspection, InspectionItem)
        # One call per rectification deadline rather than per month: on PostgreSQL each call scans the items
        # table once, so fewer, larger calls; SQLite allows only 999 parameters per statement.
        by_due_days: dict[int, list[int]] = defaultdict(list)
        due_days_of: dict[dt.date, int] = {}
        for pk, month in ids.values():
            if month not in due_days_of:
                due_days_of[month] = _due_days(month)
            by_due_days[due_days_of[month]].append(pk)
        chunk = 100_000 if connection.vendor == "postgresql" else 900
        for due_days, visit_ids in by_due_days.items():
            for start in range(0, len(visit_ids), chunk):
                rectifications_open_for(inspection_ids=visit_ids[start : start + chunk], due_days=due_days)
        # The visits fulfil the quarter's planned mystery visits of their halls (see inspections.services.plans).
        plan_lines_fulfil_by_visits(inspection_ids=[pk for pk, _month in ids.values()])
        logger.info(
            "visits_inserted batch=%s visits=%s inspections_s=%.1f items_s=%.1f rectifications_s=%.1f",
            batch_id, len(ids), inserted_s, items_s, time.perf_counter() - clock - inserted_s - items_s,
        )  # fmt: skip
        return len(ids)
