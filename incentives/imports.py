"""The monthly service-bonus pools per marketing unit (酬金池), as HQ sets them in a file: an import kind of the
surveys import framework, registered from :class:`incentives.apps.IncentivesConfig`.

A pool is a setting, not evidence: a row whose unit and month already have a pool replaces its amount (the
latest file wins) instead of being skipped, and a month's published grading does not stop it (a month is split
after its grading is published). What stops it is an approved split of that month, which freezes its pools.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from halls.models import MarketingUnit
from halls.months import FUTURE_MONTH, month_current
from incentives.selectors import month_is_frozen
from incentives.services import POOL_FROZEN, bonus_pools_import
from surveys.imports import cells
from surveys.imports.framework import Column, Importer, Record, Row
from surveys.models import ImportBatch, ImportKind

# BonusPool.amount has 14 digits, 2 of them decimals.
MAX_AMOUNT = Decimal("999999999999.99")


class BonusPoolImporter(Importer):
    kind = ImportKind.BONUS_POOLS
    sheet_name = title = "酬金池"
    columns = [
        Column("month", "月份", "2026-03"),
        Column("unit_code", "营销单元编码", "SJZ-U1"),
        Column("amount", "酬金池金额（元）", "120000.00"),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._units: dict[str, int] | None = None
        self._frozen: dict[dt.date, bool] = {}

    def key_column(self) -> str:
        return "营销单元编码 + 月份"

    def parse(self, row: Row) -> Record | None:
        month = row.get("month", cells.month)
        unit_id = self._unit_id(row)
        amount = row.get("amount", cells.decimal, low=Decimal("0"), high=MAX_AMOUNT, places=2)
        if month is not None and month > month_current():
            row.error("month", _(FUTURE_MONTH).format(month=f"{month:%Y-%m}"))
        elif month is not None and self._month_is_frozen(month):
            row.error("month", _(POOL_FROZEN).format(month=f"{month:%Y-%m}"))
        if not row.ok:
            return None
        data = {"marketing_unit_id": unit_id, "month": month, "amount": amount}
        # No month for the framework: a published grading does not close a month's pools, an approved split does.
        return Record(row.number, (unit_id, month), None, data)

    def existing_keys(self, keys: list) -> set:
        # Existing pools are updated, not skipped.
        return set()

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        user_id = ImportBatch.objects.values_list("uploaded_by_id", flat=True).get(pk=batch_id)
        created, self.rows_updated = bonus_pools_import(
            pools=[record.data for record in records], batch_id=batch_id, user_id=user_id
        )
        return created

    def _unit_id(self, row: Row) -> int | None:
        if self._units is None:
            self._units = dict(MarketingUnit.objects.values_list("code", "pk"))
        code = row.get("unit_code", cells.text, max_length=16)
        if code is None:
            return None
        unit_id = self._units.get(code)
        if unit_id is None:
            row.error("unit_code", _("营销单元编码不存在：%(code)s") % {"code": code})
        return unit_id

    def _month_is_frozen(self, month: dt.date) -> bool:
        if month not in self._frozen:
            self._frozen[month] = month_is_frozen(month=month)
        return self._frozen[month]
