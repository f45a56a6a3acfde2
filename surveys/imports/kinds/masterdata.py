"""Master data from the operator's own systems: the organisation, halls, staff and user accounts.

Unlike evidence, master data is updated by code: a row whose code is new is created, a row that differs
from what is stored updates it (a hall moves district or unit, closes; a clerk leaves), and a row equal to
what is stored is counted as unchanged. Rows name no month of evidence, so a published grading does not
stop them, except a hall closing in a month already published (which would change that month).
Rows not in the file are left alone: nothing is deleted or closed by omission.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from halls.masterdata import (
    halls_upsert,
    organisation_upsert,
    staff_upsert,
)
from halls.models import (
    DistrictCompany,
    Hall,
    HallKind,
    MarketingUnit,
    Staff,
    StaffKind,
)
from surveys.imports import cells
from surveys.imports.framework import Column, Importer, Record, Row
from surveys.models import ImportBatch, ImportKind

ORG_LEVELS = {"区县": "district", "区县公司": "district", "district": "district"}
ORG_LEVELS.update({"营销单元": "unit", "unit": "unit"})
HALL_SHORT_WORDS = {
    "自办": HallKind.SELF_RUN,
    "合作": HallKind.PARTNER,
}
STAFF_SHORT_WORDS = {"自有": StaffKind.EMPLOYEE, "合作方": StaffKind.PARTNER, "外包": StaffKind.OUTSOURCED}


def choice_words(choices: list[tuple[str, object]], extra: dict[str, str]) -> dict[str, str]:
    """Each choice by its value and by its label in Chinese and English, lower-cased, and ``extra``."""
    words = {value.lower(): value for value, _label in choices}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            words.update({str(label).lower(): value for value, label in choices})
    return words | extra


def _optional_month(row: Row, key: str) -> dt.date | None:
    if row.cells.get(key, "") == "":
        return None
    return row.get(key, cells.month)


def _month_last_day(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def word_parse(row: Row, key: str, words: dict, expected: str) -> str | None:
    word = row.get(key, cells.text, max_length=32)
    if word is None:
        return None
    value = words.get(word.strip().lower())
    if value is None:
        row.error(key, _("无法识别：%(value)s（应为 %(expected)s）") % {"value": word[:20], "expected": expected})
    return value


class MasterDataImporter(Importer):
    """Keys whose stored row equals the file's are "existing" (counted unchanged, not written); the
    others are created or updated by ``upsert``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._data: dict = {}

    def stored(self, keys: list) -> dict:
        """The stored rows among ``keys``, in the shape ``parse`` gives ``Record.data``."""
        raise NotImplementedError

    def existing_keys(self, keys: list) -> set:
        stored = {}
        for start in range(0, len(keys), 900):
            stored.update(self.stored(keys[start : start + 900]))
        return {key for key, data in stored.items() if data == self._data.get(key)}

    def record(self, row: Row, key, data: dict) -> Record:
        self._data[key] = data
        return Record(row.number, key, None, data)

    def uploader(self, batch_id: int) -> int | None:
        return ImportBatch.objects.values_list("uploaded_by_id", flat=True).get(pk=batch_id)


class OrganisationImporter(MasterDataImporter):
    kind = ImportKind.ORGANISATION
    sheet_name = title = "组织机构"
    columns = [
        Column("city_code", "地市编码", "SJZ"),
        Column("city_name", "地市名称", "石家庄分公司"),
        Column("level", "类型", "区县"),
        Column("code", "编码", "SJZ-01"),
        Column("name", "名称", "长安区分公司"),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._city_names: dict[str, tuple[str, int]] = {}

    def key_column(self) -> str:
        return "编码"

    def parse(self, row: Row) -> Record | None:
        city_code = row.get("city_code", cells.text, max_length=16)
        city_name = row.get("city_name", cells.text, max_length=64)
        level = word_parse(row, "level", ORG_LEVELS, _("“区县”或“营销单元”"))
        code = row.get("code", cells.text, max_length=16)
        name = row.get("name", cells.text, max_length=64)
        if city_code is not None and city_name is not None:
            first = self._city_names.setdefault(city_code, (city_name, row.number))
            if first[0] != city_name:
                row.error(
                    "city_name",
                    _("地市 %(code)s 的名称与第 %(row)s 行不同：%(name)s")
                    % {"code": city_code, "row": first[1], "name": first[0]},
                )
        if not row.ok:
            return None
        data = {"level": level, "code": code, "name": name, "city_code": city_code, "city_name": city_name}
        return self.record(row, code, data)

    def stored(self, keys: list) -> dict:
        found = {}
        for level, model in (("district", DistrictCompany), ("unit", MarketingUnit)):
            for code, name, city_code, city_name in model.objects.filter(code__in=keys).values_list(
                "code", "name", "city__code", "city__name"
            ):
                found[code] = {
                    "level": level,
                    "code": code,
                    "name": name,
                    "city_code": city_code,
                    "city_name": city_name,
                }
        return found

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        cities = {code: name for code, (name, _row) in self._city_names.items()}
        created, self.rows_updated = organisation_upsert(cities=cities, units=[record.data for record in records])
        return created


class HallImporter(MasterDataImporter):
    kind = ImportKind.HALLS
    sheet_name = title = "营业厅"
    columns = [
        Column("code", "营业厅编码", "SJZ-01-001"),
        Column("name", "名称", "长安区中山路营业厅"),
        Column("city_code", "地市编码", "SJZ"),
        Column("district_code", "区县编码", "SJZ-01"),
        Column("unit_code", "营销单元编码", "SJZ-U1"),
        Column("kind", "类型", "自办厅"),
        Column("address", "地址", "中山路 1 号"),
        Column("opened", "开业月份", "2020-01"),
        Column("closed", "关闭月份", ""),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._districts: dict[str, tuple[int, str]] | None = None
        self._units: dict[str, tuple[int, str]] | None = None
        self._closed: dict[str, dt.date | None] | None = None
        self._kinds = choice_words(HallKind.choices, HALL_SHORT_WORDS)

    def key_column(self) -> str:
        return "营业厅编码"

    def _lookups(self) -> None:
        if self._districts is None:
            self._districts = {
                code: (pk, city) for code, pk, city in DistrictCompany.objects.values_list("code", "pk", "city__code")
            }
            self._units = {
                code: (pk, city) for code, pk, city in MarketingUnit.objects.values_list("code", "pk", "city__code")
            }
            self._closed = dict(Hall.objects.values_list("code", "closed_on"))

    def _place(self, row: Row, key: str, table: dict, city_code: str | None, what: str) -> int | None:
        code = row.get(key, cells.text, max_length=16)
        if code is None:
            return None
        found = table.get(code)
        if found is None:
            row.error(key, _("%(what)s编码不存在：%(code)s（请先导入组织机构）") % {"what": what, "code": code})
            return None
        if city_code is not None and found[1] != city_code:
            row.error(
                key, _("%(what)s %(code)s 属于地市 %(city)s，不是 %(given)s") % {
                    "what": what, "code": code, "city": found[1], "given": city_code,
                },
            )  # fmt: skip
        return found[0]

    def parse(self, row: Row) -> Record | None:
        self._lookups()
        code = row.get("code", cells.text, max_length=32)
        city_code = row.get("city_code", cells.text, max_length=16)
        data = {
            "name": row.get("name", cells.text, max_length=128),
            "kind": word_parse(row, "kind", self._kinds, _("“自办厅”或“合作厅”")),
            "district_id": self._place(row, "district_code", self._districts, city_code, _("区县")),
            "marketing_unit_id": self._place(row, "unit_code", self._units, city_code, _("营销单元")),
            "address": row.get("address", cells.text, required=False, max_length=255),
            "opened_on": row.get("opened", cells.month),
            "closed_on": _optional_month(row, "closed"),
        }
        if data["opened_on"] and data["closed_on"] and data["closed_on"] < data["opened_on"]:
            row.error("closed", _("关闭月份早于开业月份"))
        closed = data["closed_on"]
        if (
            code is not None
            and closed is not None
            and closed != self._closed.get(code)
            and self.month_is_published(closed)
        ):
            # Closing a hall in a month already published would take it out of a month that is frozen.
            row.error("closed", _("%(month)s 的评定已发布，关闭月份应在其后") % {"month": f"{closed:%Y-%m}"})
        if not row.ok:
            return None
        return self.record(row, code, data)

    def stored(self, keys: list) -> dict:
        rows = Hall.objects.filter(code__in=keys).values(
            "code", *["name", "kind", "district_id", "marketing_unit_id"], "address", "opened_on", "closed_on"
        )
        return {row.pop("code"): row for row in rows}

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        created, self.rows_updated = halls_upsert(
            rows=[{"code": record.key, **record.data} for record in records],
            user_id=self.uploader(batch_id),
            reason=_("导入 #%(batch)s") % {"batch": batch_id},
            today=timezone.localdate(),
        )
        return created


class StaffImporter(MasterDataImporter):
    kind = ImportKind.STAFF
    sheet_name = title = "营业员"
    columns = [
        Column("hall_code", "营业厅编码", "SJZ-01-001"),
        Column("employee_no", "工号", "SJZ-01-001-01"),
        Column("name", "姓名", "张三"),
        Column("kind", "用工类型", "自有员工"),
        Column("first_month", "首月", "2024-03"),
        Column("last_month", "末月", ""),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._kinds = choice_words(StaffKind.choices, STAFF_SHORT_WORDS)

    def key_column(self) -> str:
        return "工号"

    def parse(self, row: Row) -> Record | None:
        employee_no = row.get("employee_no", cells.text, max_length=32)
        first = row.get("first_month", cells.month)
        last = _optional_month(row, "last_month")
        data = {
            "hall_id": self.hall_id(row),
            "name": row.get("name", cells.text, max_length=64),
            "kind": word_parse(row, "kind", self._kinds, _("“自有员工”“合作方员工”或“外包计件人员”")),
            "active_from": first,
            "active_to": _month_last_day(last) if last is not None else None,
        }
        if first is not None and last is not None and last < first:
            row.error("last_month", _("末月早于首月"))
        if not row.ok:
            return None
        return self.record(row, employee_no, data)

    def stored(self, keys: list) -> dict:
        rows = Staff.objects.filter(employee_no__in=keys).values(
            "employee_no", "hall_id", "name", "kind", "active_from", "active_to"
        )
        return {row.pop("employee_no"): row for row in rows}

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        created, self.rows_updated = staff_upsert(
            rows=[{"employee_no": record.key, **record.data} for record in records],
            user_id=self.uploader(batch_id),
            reason=_("导入 #%(batch)s") % {"batch": batch_id},
        )
        return created
