"""Reading an uploaded spreadsheet safely into rows of plain values.

The checks come before any parser sees the bytes: the size limit, the magic bytes (an .xlsx is a zip;
an old .xls or a picture renamed .xlsx is refused), and for a workbook its parts, streamed and measured
(``surveys.imports.inspection``): real uncompressed size, damage, the sheet to read, its rows and columns.
A CSV is held to the same row and column limits while it is read. Cells come back as stripped strings,
except Excel date cells (``date`` or ``datetime``) and formula cells (:class:`Formula`), which the
importers report rather than trust.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from surveys.imports.inspection import Limits, too_many_columns, too_many_rows, workbook_inspect

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class Formula:
    """A cell that holds a formula: its result depends on other cells, so it is refused."""

    text: str = ""

    def __str__(self) -> str:
        return self.text


Cell = str | dt.date | dt.datetime | Formula


@dataclass
class Sheet:
    header: list[str]
    # (spreadsheet row number, cells); the header is row 1.
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)


def _max_bytes() -> int:
    return settings.HALLQ_IMPORT_MAX_BYTES


def limits_for(*, columns: int, required_headers: tuple[str, ...] = ()) -> Limits:
    """The limits of an import whose template has ``columns`` columns (see the settings they come from)."""
    return Limits(
        max_rows=settings.HALLQ_IMPORT_MAX_ROWS,
        max_columns=columns + settings.HALLQ_IMPORT_EXTRA_COLUMNS,
        max_uncompressed=settings.HALLQ_IMPORT_MAX_UNCOMPRESSED_BYTES,
        required_headers=required_headers,
    )


def file_check(*, name: str, size: int, head: bytes) -> str:
    """Refuse what is not a spreadsheet we read; return the format, ``"xlsx"`` or ``"csv"``."""
    if size > _max_bytes():
        raise ApplicationError(
            _("文件过大：%(size)s MB，上限为 %(limit)s MB")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": f"{_max_bytes() / 1024 / 1024:.0f}"}
        )
    if size == 0:
        raise ApplicationError(_("文件是空的"))
    lower = name.lower()
    if lower.endswith(".xlsx"):
        if head.startswith(OLE_MAGIC):
            raise ApplicationError(_("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入"))
        if not head.startswith(XLSX_MAGIC):
            raise ApplicationError(_("文件扩展名是 .xlsx，但内容不是 Excel 工作簿，请检查文件"))
        return "xlsx"
    if lower.endswith(".csv"):
        if head.startswith((XLSX_MAGIC, OLE_MAGIC)) or b"\x00" in head:
            raise ApplicationError(_("文件扩展名是 .csv，但内容不是文本，请检查文件"))
        return "csv"
    raise ApplicationError(_("只能导入 .xlsx 或 .csv 文件"))


def _text(value) -> Cell:
    """A cell as the importers see it: text stays text, numbers become their shortest text."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


def _rows_to_sheet(raw_rows, limits: Limits) -> Sheet:
    """Rows of raw values into a :class:`Sheet`, refusing (before keeping more) a row or column past the limits."""
    iterator = iter(raw_rows)
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    for number, raw in enumerate(iterator, start=1):
        if number - 1 > limits.max_rows:
            raise too_many_rows(number - 1, limits)
        if len(raw) > limits.max_columns:
            # A reader pads rows to the sheet's width; only a cell with a value makes a row too wide.
            width = max((index + 1 for index, value in enumerate(raw) if value not in (None, "")), default=0)
            if width > limits.max_columns:
                raise too_many_columns(width, limits)
            raw = raw[: limits.max_columns]
        cells = [_text(value) for value in raw]
        if header is None:
            header = [str(cell).strip() for cell in cells]
            if not any(header):
                raise ApplicationError(_("第 1 行应为表头，但它是空的"))
            if not set(limits.required_headers) <= set(header):
                # The importer names the missing columns from the header alone; the rows would be read for nothing.
                return Sheet(header=header, rows=[])
            continue
        rows.append((number, cells))
    if header is None:
        raise ApplicationError(_("文件中没有任何内容"))
    # Trailing blank rows (Excel keeps formatted empty rows) are not data; blank rows between data are.
    while rows and not any(cell != "" for cell in rows[-1][1]):
        rows.pop()
    return Sheet(header=header, rows=rows)


def _read_xlsx_calamine(data: bytes, name: str, limits: Limits) -> Sheet:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_name(name)
    except Exception as exc:  # calamine raises its own error classes for every kind of damage
        raise ApplicationError(_("文件已损坏，无法作为 Excel 工作簿打开")) from exc
    return _rows_to_sheet(sheet.iter_rows(), limits)


def _read_xlsx_openpyxl(data: bytes, name: str, limits: Limits) -> Sheet:
    """Slower, but sees formulas as formulas (calamine only gives their cached results)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:
        raise ApplicationError(_("文件已损坏，无法作为 Excel 工作簿打开")) from exc
    try:
        worksheet = workbook[name]

        def values():
            for row in worksheet.iter_rows():
                out = []
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        out.append(Formula(str(cell.value)))
                    else:
                        out.append(cell.value)
                yield out

        return _rows_to_sheet(values(), limits)
    finally:
        workbook.close()


def _decode_csv(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(_("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码"))


def _read_csv(data: bytes, limits: Limits) -> Sheet:
    text = _decode_csv(data)
    if "\x00" in text:
        raise ApplicationError(_("文件扩展名是 .csv，但内容不是文本，请检查文件"))
    try:
        sheet = _rows_to_sheet(csv.reader(io.StringIO(text, newline="")), limits)
    except csv.Error as exc:
        raise ApplicationError(_("CSV 格式错误：%(error)s") % {"error": exc}) from exc
    # A cell typed "=1+1" in a CSV is a formula to Excel; refuse it the same way.
    for _number, cells in sheet.rows:
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and cell.startswith("="):
                cells[index] = Formula(cell)
    return sheet


def sheet_read(*, name: str, data: bytes, sheet_name: str, limits: Limits) -> Sheet:
    """Check ``data`` and read it into a :class:`Sheet`; every refusal is an ApplicationError.

    Run it where a reader's crash cannot take a server process with it (``surveys.imports.isolation``)."""
    kind = file_check(name=name, size=len(data), head=data[:16])
    if kind == "csv":
        return _read_csv(data, limits)
    shape = workbook_inspect(data, sheet_name=sheet_name, limits=limits)
    if shape.has_formulas:
        return _read_xlsx_openpyxl(data, shape.sheet, limits)
    return _read_xlsx_calamine(data, shape.sheet, limits)
