"""Hostile files, built byte by byte: what an attacker (or a careless clerk) might upload.

``workbook`` writes a minimal .xlsx by hand (inline strings, no styles), so a test can put a cell at
XFD1048576, hide a sheet, repeat a sheet's name or declare any dimension; the other helpers damage a
zip after the fact: a central directory that lies about sizes, a flipped byte, a cut file.
"""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_xml(cells: dict[tuple[int, int], str], *, dimension: str | None = None) -> str:
    """A worksheet holding ``cells`` ((row, column) → text, 1-based), rows in order."""
    rows: dict[int, list[tuple[int, str]]] = {}
    for (row, column), value in cells.items():
        rows.setdefault(row, []).append((column, value))
    body = []
    for row in sorted(rows):
        row_cells = "".join(
            f'<c r="{column_letters(column)}{row}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
            for column, value in sorted(rows[row])
        )
        body.append(f'<row r="{row}">{row_cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


def table(rows: list[list[str]]) -> dict[tuple[int, int], str]:
    return {(r, c): value for r, row in enumerate(rows, start=1) for c, value in enumerate(row, start=1) if value}


def workbook(sheets: list[tuple[str, str, str]]) -> bytes:
    """An .xlsx of ``sheets`` given as (name, state, worksheet XML); state is visible, hidden or veryHidden."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets=overrides))
        archive.writestr("_rels/.rels", ROOT_RELS)
        entries = "".join(
            f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"'
            + (f' state="{state}"' if state != "visible" else "")
            + "/>"
            for n, (name, state, _xml) in enumerate(sheets, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<sheets>{entries}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>",
        )
        for n, (_name, _state, xml) in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", xml)
    return buffer.getvalue()


def _central_entries(data: bytes):
    """(offset of each central directory header, its file name)."""
    offset = data.rfind(b"PK\x05\x06")
    count, size, start = struct.unpack("<HII", data[offset + 10 : offset + 20])
    position = start
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[position + 28 : position + 34])
        yield position, data[position + 46 : position + 46 + name_len].decode()
        position += 46 + name_len + extra_len + comment_len


def directory_lies(data: bytes, *, part: str = "xl/worksheets/sheet1.xml", declared: int = 100) -> bytes:
    """The central directory (and the part's local header) declare ``declared`` uncompressed bytes."""
    out = bytearray(data)
    for position, name in _central_entries(data):
        if name == part:
            struct.pack_into("<I", out, position + 24, declared)
            local = struct.unpack("<I", data[position + 42 : position + 46])[0]
            struct.pack_into("<I", out, local + 22, declared)
    return bytes(out)


def crc_broken(data: bytes, *, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The part's CRC-32 in the directory no longer matches its content."""
    out = bytearray(data)
    for position, name in _central_entries(data):
        if name == part:
            crc = struct.unpack("<I", data[position + 16 : position + 20])[0]
            struct.pack_into("<I", out, position + 16, crc ^ 0x5A5A5A5A)
            local = struct.unpack("<I", data[position + 42 : position + 46])[0]
            struct.pack_into("<I", out, local + 14, crc ^ 0x5A5A5A5A)
    return bytes(out)


def byte_flipped(data: bytes, *, part: str = "xl/worksheets/sheet1.xml", at: float = 0.5) -> bytes:
    """One byte of the part's compressed data changed."""
    out = bytearray(data)
    for position, name in _central_entries(data):
        if name == part:
            local = struct.unpack("<I", data[position + 42 : position + 46])[0]
            compressed = struct.unpack("<I", data[position + 20 : position + 24])[0]
            name_len, extra_len = struct.unpack("<HH", data[local + 26 : local + 30])
            begin = local + 30 + name_len + extra_len
            index = begin + min(compressed - 1, int(compressed * at))
            out[index] ^= 0xFF
    return bytes(out)
