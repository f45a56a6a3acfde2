"""Reading an uploaded spreadsheet safely into rows of plain values.

The checks come before any parser sees the bytes: the size limit, the magic bytes (an .xlsx is a zip;
an old .xls or a picture renamed .xlsx is refused), and for a zip the declared uncompressed size and
entry count (zip bombs). Cells come back as stripped strings, except Excel date cells (``date`` or
``datetime``) and formula cells (:class:`Formula`), which the importers report rather than trust.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from halls.errors import ApplicationError

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
# A 50,000-row visit sheet is about 60 MB of XML; anything far beyond is not a sheet we asked for.
MAX_UNCOMPRESSED_BYTES = 20 * 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


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


def _max_uncompressed() -> int:
    return getattr(settings, "HALLQ_IMPORT_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)


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


def zip_check(data: bytes) -> None:
    """Look at the zip's directory before decompressing anything."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ApplicationError(_("文件已损坏，无法作为 Excel 工作簿打开")) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise ApplicationError(_("工作簿内部文件数异常（%(count)s 个），已拒绝") % {"count": len(entries)})
        declared = sum(entry.file_size for entry in entries)
        if declared > _max_uncompressed():
            raise ApplicationError(
                _("工作簿解压后大小异常（%(size)s MB），疑似压缩炸弹，已拒绝")
                % {"size": f"{declared / 1024 / 1024:.0f}"}
            )
        names = {entry.filename for entry in entries}
        if "xl/workbook.xml" not in names:
            raise ApplicationError(_("文件扩展名是 .xlsx，但内容不是 Excel 工作簿，请检查文件"))


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


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.infolist():
            if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                with archive.open(entry) as stream:
                    tail = b""
                    while chunk := stream.read(1 << 20):
                        if _FORMULA_TAG.search(tail + chunk):
                            return True
                        tail = chunk[-8:]
    return False


def _pick_sheet(names: list[str], wanted: str) -> str:
    if wanted in names:
        return wanted
    if len(names) == 1:
        return names[0]
    raise ApplicationError(
        _("找不到工作表「%(wanted)s」；文件中的工作表：%(names)s") % {"wanted": wanted, "names": _("、").join(names)}
    )


def _rows_to_sheet(raw_rows) -> Sheet:
    iterator = iter(raw_rows)
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    for number, raw in enumerate(iterator, start=1):
        cells = [_text(value) for value in raw]
        if header is None:
            header = [str(cell).strip() for cell in cells]
            if not any(header):
                raise ApplicationError(_("第 1 行应为表头，但它是空的"))
            continue
        rows.append((number, cells))
    if header is None:
        raise ApplicationError(_("文件中没有任何内容"))
    # Trailing blank rows (Excel keeps formatted empty rows) are not data; blank rows between data are.
    while rows and not any(cell != "" for cell in rows[-1][1]):
        rows.pop()
    return Sheet(header=header, rows=rows)


def _read_xlsx_calamine(data: bytes, wanted: str) -> Sheet:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error classes for every kind of damage
        raise ApplicationError(_("文件已损坏，无法作为 Excel 工作簿打开")) from exc
    name = _pick_sheet(list(workbook.sheet_names), wanted)
    sheet = workbook.get_sheet_by_name(name)
    return _rows_to_sheet(sheet.iter_rows())


def _read_xlsx_openpyxl(data: bytes, wanted: str) -> Sheet:
    """Slower, but sees formulas as formulas (calamine only gives their cached results)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:
        raise ApplicationError(_("文件已损坏，无法作为 Excel 工作簿打开")) from exc
    try:
        worksheet = workbook[_pick_sheet(workbook.sheetnames, wanted)]

        def values():
            for row in worksheet.iter_rows():
                out = []
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        out.append(Formula(str(cell.value)))
                    else:
                        out.append(cell.value)
                yield out

        return _rows_to_sheet(values())
    finally:
        workbook.close()


def _decode_csv(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(_("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码"))


def _read_csv(data: bytes) -> Sheet:
    text = _decode_csv(data)
    if "\x00" in text:
        raise ApplicationError(_("文件扩展名是 .csv，但内容不是文本，请检查文件"))
    try:
        raw_rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ApplicationError(_("CSV 格式错误：%(error)s") % {"error": exc}) from exc
    sheet = _rows_to_sheet(raw_rows)
    # A cell typed "=1+1" in a CSV is a formula to Excel; refuse it the same way.
    for _number, cells in sheet.rows:
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and cell.startswith("="):
                cells[index] = Formula(cell)
    return sheet


def sheet_read(*, name: str, data: bytes, sheet_name: str) -> Sheet:
    """Check ``data`` and read it into a :class:`Sheet`; every refusal is an ApplicationError."""
    kind = file_check(name=name, size=len(data), head=data[:16])
    if kind == "csv":
        return _read_csv(data)
    zip_check(data)
    if _has_formulas(data):
        return _read_xlsx_openpyxl(data, sheet_name)
    return _read_xlsx_calamine(data, sheet_name)
