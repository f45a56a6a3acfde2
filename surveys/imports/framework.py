"""The import framework every kind of evidence goes through.

An importer declares its columns and turns one row of cells into a record; the framework matches the
header, runs every row through the importer, collects every error with its row, column and reason,
checks natural keys (inside the file and against the database) and published months, and only when
no row is wrong hands all records to the importer's ``insert`` inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext as _

from halls.models import Hall
from halls.month_state import month_is_published
from halls.months import FUTURE_MONTH, month_start
from surveys.imports import cells
from surveys.imports.reading import Cell, Sheet

HEADER_ROW = 1


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    example: str = ""
    required: bool = True  # must the column be present in the header


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class Record:
    """One valid row: its natural key, its month (for the published-month check) and what to insert."""

    row: int
    key: Any
    month: dt.date | None  # None: the row is not evidence of a month, published or not
    data: dict


class Row:
    """The cells of one row by column key, and a place to put what is wrong with them."""

    def __init__(self, number: int, cells_by_key: dict[str, Cell], headers: dict[str, str], errors: list[RowError]):
        self.number = number
        self.cells = cells_by_key
        self.headers = headers
        self.errors = errors
        self.ok = True

    def error(self, key: str, reason: str) -> None:
        self.ok = False
        self.errors.append(RowError(self.number, self.headers.get(key, key), reason))

    def get(self, key: str, parser: Callable, **kwargs):
        """Parse the cell under ``key``; on a bad cell record the error and return None."""
        try:
            return parser(self.cells.get(key, ""), **kwargs)
        except cells.CellError as exc:
            self.error(key, str(exc))
            return None


class RowErrors(list):
    """The errors of a file: the first ``cap`` kept, the rest only counted (a file of a million bad rows
    must not become a million stored errors). ``bad_rows`` counts every row with an error."""

    def __init__(self, cap: int | None = None):
        super().__init__()
        self.cap = cap
        self.dropped = 0
        self._rows: set[int] = set()

    def append(self, error: RowError) -> None:
        self._rows.add(error.row)
        if self.cap is not None and len(self) >= self.cap:
            self.dropped += 1
        else:
            super().append(error)

    @property
    def bad_rows(self) -> int:
        return len(self._rows)


@dataclass
class Outcome:
    records: list[Record] = field(default_factory=list)
    errors: RowErrors = field(default_factory=RowErrors)
    skipped: int = 0


class Importer:
    """Subclasses set ``kind``, ``sheet_name``, ``columns`` and implement ``parse`` and ``insert``."""

    kind: ClassVar[str]
    sheet_name: ClassVar[str]
    title: ClassVar[str]
    columns: ClassVar[list[Column]] = []

    def __init__(self, *, params: dict | None = None):
        self.params = params or {}
        # Rows ``insert`` changed in place: only kinds whose rows are settings (the latest file wins) update.
        self.rows_updated = 0
        self._halls: dict[str, int] | None = None
        self._published: dict[dt.date, bool] = {}

    # --- header -----------------------------------------------------------------------------
    def template_columns(self) -> list[Column]:
        return list(self.columns)

    def bind_header(self, header: list[str], errors: list[RowError]) -> dict[str, int]:
        """Map column keys to positions; a missing, unknown or repeated column is a header error."""
        by_header = {column.header: column for column in self.columns}
        positions: dict[str, int] = {}
        for index, title in enumerate(header):
            if title == "":
                continue
            column = by_header.get(title)
            extra = None if column else self.extra_column(title)
            key = column.key if column else extra
            if key is None:
                errors.append(RowError(HEADER_ROW, title, _("未知的列名（表头应与模板一致）")))
            elif key in positions:
                errors.append(RowError(HEADER_ROW, title, _("列名重复")))
            else:
                positions[key] = index
        for column in self.columns:
            if column.required and column.key not in positions:
                errors.append(RowError(HEADER_ROW, column.header, _("缺少此列（表头应与模板一致）")))
        self.check_header(positions, errors)
        return positions

    def extra_column(self, title: str) -> str | None:
        """The key of a column outside ``columns`` (indicator or dimension codes), or None."""
        return None

    def check_header(self, positions: dict[str, int], errors: list[RowError]) -> None:
        pass

    def header_titles(self) -> dict[str, str]:
        return {column.key: column.header for column in self.columns}

    # --- rows -------------------------------------------------------------------------------
    def parse(self, row: Row) -> Record | None:
        raise NotImplementedError

    def existing_keys(self, keys: list) -> set:
        """The natural keys among ``keys`` already in the database."""
        raise NotImplementedError

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        """Write the records (all valid, none existing) in bulk; return how many rows were created.

        A kind that updates existing rows instead of skipping them counts those in ``rows_updated``."""
        raise NotImplementedError

    # --- shared lookups ---------------------------------------------------------------------
    def hall_id(self, row: Row, key: str = "hall_code") -> int | None:
        if self._halls is None:
            self._halls = dict(Hall.objects.values_list("code", "pk"))
        code = row.get(key, cells.text, max_length=32)
        if code is None:
            return None
        hall_id = self._halls.get(code)
        if hall_id is None:
            row.error(key, _("营业厅编码不存在：%(code)s") % {"code": code})
        return hall_id

    def month_is_published(self, month: dt.date, *, fresh: bool = False) -> bool:
        """Whether ``month``'s grading is published, which closes it to this kind's rows (read once per
        import; ``fresh`` reads it again, for the check inside the insert's transaction)."""
        if fresh or month not in self._published:
            self._published[month] = month_is_published(month=month)
        return self._published[month]

    def key_column(self) -> str:
        return self.columns[0].header


def sheet_validate(
    importer: Importer,
    sheet: Sheet,
    *,
    progress: Callable[[int], None] | None = None,
    every: int = 2000,
    max_errors: int | None = None,
) -> Outcome:
    """Every row through the importer; then keys inside the file, future and published months, existing keys."""
    outcome = Outcome(errors=RowErrors(max_errors))
    current = month_start(timezone.localdate())
    positions = importer.bind_header(sheet.header, outcome.errors)
    if outcome.errors:
        return outcome
    if not sheet.rows:
        # Most often the template uploaded before it was filled in: say so rather than "0 rows imported".
        outcome.errors.append(RowError(2, "", _("表头之下没有数据行：文件中没有可导入的数据")))
        return outcome
    headers = importer.header_titles()
    first_row: dict[Any, int] = {}
    for done, (number, raw) in enumerate(sheet.rows, start=1):
        if not any(cell != "" for cell in raw):
            outcome.errors.append(RowError(number, "", _("空行：请删除数据之间的空行")))
            continue
        cells_by_key = {key: (raw[index] if index < len(raw) else "") for key, index in positions.items()}
        row = Row(number, cells_by_key, headers, outcome.errors)
        record = importer.parse(row)
        if record is not None and row.ok:
            seen = first_row.get(record.key)
            if seen is not None:
                outcome.errors.append(RowError(number, importer.key_column(), _("与第 %(row)s 行重复") % {"row": seen}))
            else:
                first_row[record.key] = number
                if record.month is not None and record.month > current:
                    outcome.errors.append(RowError(number, "", _(FUTURE_MONTH).format(month=f"{record.month:%Y-%m}")))
                elif record.month is not None and importer.month_is_published(record.month):
                    outcome.errors.append(
                        RowError(
                            number,
                            "",
                            _("%(month)s 的评定已发布，不能再导入该月的数据") % {"month": f"{record.month:%Y-%m}"},
                        )
                    )
                else:
                    outcome.records.append(record)
        if progress is not None and done % every == 0:
            progress(done)
    if outcome.errors:
        outcome.records = []
        return outcome
    existing = importer.existing_keys([record.key for record in outcome.records])
    if existing:
        outcome.skipped = sum(1 for record in outcome.records if record.key in existing)
        outcome.records = [record for record in outcome.records if record.key not in existing]
    return outcome
