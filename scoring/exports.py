"""Spreadsheet exports. Every text cell goes through :func:`cell_safe`, so nothing a user typed (a hall
name, a note) can become a formula when the file is opened (CSV/formula injection)."""

from __future__ import annotations

import io

import xlsxwriter
from django.http import HttpResponse

from halls.spreadsheets import cell_safe

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(*, filename: str, sheet: str, headers: list[str], rows) -> HttpResponse:
    """One sheet, a bold header row, the rows in order; written with constant memory."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False, "in_memory": True})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, [cell_safe(h) for h in headers], bold)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            cleaned = cell_safe(value)
            if isinstance(cleaned, str):
                worksheet.write_string(index, column, cleaned)
            else:
                worksheet.write(index, column, cleaned)
    workbook.close()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
