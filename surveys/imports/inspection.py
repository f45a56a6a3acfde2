"""A workbook looked at part by part before any spreadsheet reader is trusted with it.

An .xlsx file is a zip of XML parts. A reader given a hostile one can build a grid of a million rows by
sixteen thousand columns from a 5 KB file (and abort the process), or trust a zip directory that lies
about its sizes. So before a reader runs, this module:

- inflates every part itself, from its raw bytes to the end of its deflate stream, and counts its real
  uncompressed bytes (never the directory's word), stopping as soon as the total passes the limit; a
  size or CRC that does not match the directory, or a truncated part, is "the file is damaged";
- reads ``xl/workbook.xml`` and its relationships for the sheet names, their state (``hidden``,
  ``veryHidden``) and their parts, and picks the one sheet to read: the visible sheet with the template's
  name, or the only visible sheet; a hidden template sheet, or two sheets with that name, is refused;
- scans the chosen sheet's XML as it streams for its declared ``<dimension>`` and the highest row and column
  actually present, and refuses a sheet beyond the row or column limit;
- notes whether the sheet holds a formula (the importers refuse formulas, and only openpyxl sees them).

All of it is plain Python over bounded buffers: nothing here allocates by what a file declares.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from halls.errors import ApplicationError

CHUNK = 1 << 20
# XML parts read whole (workbook and its relationships) are small; a large one is not a workbook we wrote.
MAX_SMALL_PART_BYTES = 5 * 1024 * 1024
# Bytes of one chunk carried into the next, so a tag cut by the chunk boundary is still seen whole.
CARRY = 2048
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
HIDDEN_STATES = ("hidden", "veryHidden")

_ROW_NUMBER = re.compile(rb"<row r=\"(\d{1,9})\"")
_CELL_COLUMN = re.compile(rb" r=\"([A-Z]{1,4})\d")
_CELL_ROW = re.compile(rb" r=\"[A-Z]{1,4}(\d{1,9})\"")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([^\"]{1,40})\"")
_REF = re.compile(r"^\$?([A-Z]{1,4})\$?(\d{1,9})$")
# Two patterns with a literal start (<f, or a prefixed :f) search far faster than one with an optional prefix.
_FORMULA_TAGS = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"))


@dataclass(frozen=True)
class Limits:
    """How much of a file a reader may be given: data rows (below the header), columns and bytes."""

    max_rows: int
    max_columns: int
    max_uncompressed: int
    max_entries: int = 1000
    # A header row without all of these is wrong whatever follows: the reading stops at row 1.
    required_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetEntry:
    name: str
    state: str
    part: str

    @property
    def hidden(self) -> bool:
        return self.state in HIDDEN_STATES


@dataclass(frozen=True)
class WorkbookShape:
    sheet: str  # the name of the sheet to read
    rows: int  # the highest row number present (the header is row 1)
    columns: int  # the highest column number present
    has_formulas: bool
    uncompressed: int


def damaged() -> ApplicationError:
    return ApplicationError(_("文件已损坏，无法作为 Excel 工作簿打开"))


def not_a_workbook() -> ApplicationError:
    return ApplicationError(_("文件扩展名是 .xlsx，但内容不是 Excel 工作簿，请检查文件"))


def too_many_rows(rows: int, limits: Limits) -> ApplicationError:
    return ApplicationError(
        _("文件的数据行过多（至少 %(rows)s 行），每次最多导入 %(limit)s 行，请拆分为多个文件")
        % {"rows": f"{rows:,}", "limit": f"{limits.max_rows:,}"}
    )


def too_many_columns(columns: int, limits: Limits) -> ApplicationError:
    return ApplicationError(
        _("文件的列数过多（%(columns)s 列），此类导入最多 %(limit)s 列，请使用导入模板")
        % {"columns": f"{columns:,}", "limit": limits.max_columns}
    )


def bomb(size: int) -> ApplicationError:
    return ApplicationError(
        _("工作簿解压后大小异常（%(size)s MB），疑似压缩炸弹，已拒绝") % {"size": f"{size / 1024 / 1024:.0f}"}
    )


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - 64)
    return number


class _Budget:
    """The uncompressed bytes read so far, against the limit."""

    def __init__(self, limits: Limits):
        self.limit = limits.max_uncompressed
        self.used = 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise bomb(self.used)


def _stream(data: bytes, info: zipfile.ZipInfo, budget: _Budget):
    """Yield the part's decompressed chunks, inflated from its raw bytes by this code, not by zipfile.

    zipfile stops at the size the directory declares; a reader that inflates to the end of the stream
    would see more. So the whole stream is inflated here, each step bounded, every byte counted, and the
    CRC-32 compared at its end: a directory that lies, a bad CRC or a truncated part is damage.
    """
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise damaged()  # encrypted, or a compression method no workbook writer uses
    start = info.header_offset
    header = data[start : start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise damaged()
    begin = start + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    end = begin + info.compress_size
    if end > len(data):
        raise damaged()
    raw = memoryview(data)[begin:end]
    crc = 0
    size = 0
    if info.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(raw), CHUNK):
            chunk = bytes(raw[offset : offset + CHUNK])
            budget.spend(len(chunk))
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            yield chunk
    else:
        inflater = zlib.decompressobj(-15)
        try:
            for offset in range(0, len(raw), CHUNK):
                pending = bytes(raw[offset : offset + CHUNK])
                while pending:
                    chunk = inflater.decompress(pending, CHUNK)
                    pending = inflater.unconsumed_tail
                    if chunk:
                        budget.spend(len(chunk))
                        crc = zlib.crc32(chunk, crc)
                        size += len(chunk)
                        yield chunk
                    if inflater.eof:
                        break
                if inflater.eof:
                    break
            if not inflater.eof:
                raise damaged()  # the deflate stream ends before its end-of-stream mark: truncated
        except zlib.error as exc:
            raise damaged() from exc
    if crc != info.CRC or size != info.file_size:
        raise damaged()


def _read_small(data: bytes, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    parts = []
    size = 0
    for chunk in _stream(data, info, budget):
        size += len(chunk)
        if size > MAX_SMALL_PART_BYTES:
            raise not_a_workbook()
        parts.append(chunk)
    return b"".join(parts)


def _parse_xml(data: bytes) -> ElementTree.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        # Entity expansion (billion laughs) has no place in a workbook's own parts.
        raise damaged()
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise damaged() from exc


def _sheets(data: bytes, names: dict[str, zipfile.ZipInfo], budget: _Budget) -> list[SheetEntry]:
    workbook = _parse_xml(_read_small(data, names["xl/workbook.xml"], budget))
    targets: dict[str, str] = {}
    rels = names.get("xl/_rels/workbook.xml.rels")
    if rels is not None:
        for rel in _parse_xml(_read_small(data, rels, budget)).iter(f"{{{PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[rel.get("Id", "")] = target
    sheets = []
    for position, element in enumerate(workbook.iter(f"{{{MAIN_NS}}}sheet"), start=1):
        rel_id = element.get(f"{{{REL_NS}}}id", "")
        part = targets.get(rel_id, f"xl/worksheets/sheet{position}.xml")
        sheets.append(SheetEntry(name=element.get("name", ""), state=element.get("state", "visible"), part=part))
    return sheets


def sheet_choose(sheets: list[SheetEntry], wanted: str) -> SheetEntry:
    """The template's sheet if visible, else the only visible sheet; anything ambiguous is refused."""
    named = [sheet for sheet in sheets if sheet.name.strip().casefold() == wanted.casefold()]
    if len(named) > 1:
        raise ApplicationError(
            _("工作簿中有 %(count)s 个名为「%(wanted)s」的工作表，无法确定导入哪一个，请只保留一个")
            % {"count": len(named), "wanted": wanted}
        )
    if named:
        if named[0].hidden:
            raise ApplicationError(
                _("工作表「%(wanted)s」是隐藏的；只导入可见的模板工作表，请取消隐藏或删除它后再导入")
                % {"wanted": wanted}
            )
        return named[0]
    visible = [sheet for sheet in sheets if not sheet.hidden]
    if len(visible) == 1:
        return visible[0]
    if not sheets:
        raise not_a_workbook()
    raise ApplicationError(
        _("找不到工作表「%(wanted)s」；文件中的工作表：%(names)s")
        % {"wanted": wanted, "names": _("、").join(sheet.name for sheet in visible or sheets)}
    )


class _SheetScan:
    """The highest row and column of a sheet's XML, seen chunk by chunk."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.max_row = 0
        self.rows_seen = 0
        self.max_column = 0
        self.has_formulas = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        buffer = self._tail + chunk
        if not self.max_row and not self.rows_seen:
            self._dimension(buffer)
        # Row elements, counted in this chunk alone (a tag cut by the boundary is missed, never counted twice):
        # rows without a reference still make rows for a reader.
        self.rows_seen += chunk.count(b"<row") + chunk.count(b":row ")
        # Patterns that start with a literal, findall and set: the scan stays in C and costs little next to
        # the reading it protects. A cell's r is letters then digits, a row's r digits only.
        numbers = _ROW_NUMBER.findall(buffer) + _CELL_ROW.findall(buffer)
        if numbers:
            self.max_row = max(self.max_row, max(map(int, numbers)))
        letters = set(_CELL_COLUMN.findall(buffer))
        if letters:
            self.max_column = max(self.max_column, max(column_number(text.decode()) for text in letters))
        if not self.has_formulas and any(tag.search(buffer) for tag in _FORMULA_TAGS):
            self.has_formulas = True
        self._check()
        self._tail = buffer[-CARRY:]

    def _dimension(self, buffer: bytes) -> None:
        match = _DIMENSION.search(buffer)
        if not match:
            return
        end = match.group(1).decode("ascii", "replace").split(":")[-1]
        ref = _REF.match(end)
        if ref:
            # The declared used range: a reader may size its grid from it, so it is held to the limits too.
            columns, rows = column_number(ref.group(1)), int(ref.group(2))
            if columns > self.limits.max_columns:
                raise too_many_columns(columns, self.limits)
            if rows - 1 > self.limits.max_rows:
                raise too_many_rows(rows - 1, self.limits)

    def rows(self) -> int:
        return max(self.max_row, self.rows_seen)

    def _check(self) -> None:
        if self.max_column > self.limits.max_columns:
            raise too_many_columns(self.max_column, self.limits)
        if self.rows() - 1 > self.limits.max_rows:
            raise too_many_rows(self.rows() - 1, self.limits)


def workbook_inspect(data: bytes, *, sheet_name: str | None, limits: Limits) -> WorkbookShape:
    """Check an .xlsx file part by part (see the module's docstring); every refusal is an ApplicationError.

    With ``sheet_name`` None only the container is checked (entries, real sizes, damage): what the upload
    refuses at once, before the batch is recorded.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise damaged() from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise ApplicationError(_("工作簿内部文件数异常（%(count)s 个），已拒绝") % {"count": len(entries)})
        declared = sum(entry.file_size for entry in entries)
        if declared > limits.max_uncompressed:
            raise bomb(declared)
        names = {entry.filename: entry for entry in entries}
        if "xl/workbook.xml" not in names:
            raise not_a_workbook()
        budget = _Budget(limits)
        chosen = None
        if sheet_name is not None:
            chosen = sheet_choose(_sheets(data, names, budget), sheet_name)
            if chosen.part not in names:
                raise damaged()
        scan = _SheetScan(limits)
        # Every part is streamed once, in full: its real size counts and its CRC is checked.
        for entry in entries:
            if entry.is_dir():
                continue
            if sheet_name is not None and entry.filename in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
                continue  # read (and counted) above
            if chosen is not None and entry.filename == chosen.part:
                for chunk in _stream(data, entry, budget):
                    scan.feed(chunk)
            else:
                for _chunk in _stream(data, entry, budget):
                    pass
        return WorkbookShape(
            sheet=chosen.name if chosen else "",
            rows=scan.rows(),
            columns=scan.max_column,
            has_formulas=scan.has_formulas,
            uncompressed=budget.used,
        )
