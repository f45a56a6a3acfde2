"""The XLSX of a split: a marketing-units sheet (every unit's pool, allocated and unallocated, so a unit
whose pool stayed unallocated appears too), a halls sheet, a staff sheet and the split's notes; money as
numbers formatted in yuan.

Text that a spreadsheet would read as a formula (starting with =, +, -, @, tab, CR or LF) is escaped with a
leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _

from halls.spreadsheets import text_safe
from incentives.models import NOTE_TEXTS, BonusSplit, HallBonus, StaffBonus, UnitBonus


def split_workbook(
    *, split: BonusSplit, units: list[UnitBonus], halls: list[HallBonus], staff: list[StaffBonus]
) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = book.add_format({"num_format": "#,##0.00"})
    percent = book.add_format({"num_format": "0.0000%"})
    decimal = book.add_format({"num_format": "0.00"})

    def sheet(title: str, columns: list[tuple[str, int]]):
        ws = book.add_worksheet(title)
        for col, (name, width) in enumerate(columns):
            ws.write_string(0, col, name, header)
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        return ws

    ws = sheet(
        _("营销单元"),
        [
            (_("营销单元编码"), 14),
            (_("营销单元"), 18),
            (_("酬金池（元）"), 14),
            (_("权重合计"), 12),
            (_("已分配（元）"), 14),
            (_("未分配（元）"), 14),
            (_("说明"), 50),
        ],
    )
    unit_notes: dict[str, list[str]] = {}
    for note in split.notes:
        if "unit" in note:
            unit_notes.setdefault(note["unit"], []).append(str(NOTE_TEXTS[note["kind"]]) % note)
    for row, unit in enumerate(units, start=1):
        ws.write_string(row, 0, text_safe(unit.marketing_unit.code))
        ws.write_string(row, 1, text_safe(unit.marketing_unit.name))
        ws.write_number(row, 2, _number(unit.pool), money)
        ws.write_number(row, 3, float(unit.weight_total), decimal)
        ws.write_number(row, 4, _number(unit.allocated), money)
        ws.write_number(row, 5, _number(unit.unallocated), money)
        ws.write_string(row, 6, text_safe("；".join(unit_notes.get(unit.marketing_unit.code, []))))

    ws = sheet(
        _("营业厅"),
        [
            (_("营销单元"), 18),
            (_("营业厅编码"), 16),
            (_("营业厅"), 28),
            (_("区县"), 14),
            (_("等级"), 6),
            (_("系数依据"), 10),
            (_("业务量"), 10),
            (_("系数"), 8),
            (_("权重"), 12),
            (_("占酬金池比例"), 12),
            (_("酬金（元）"), 14),
            (_("服务积点合计"), 12),
            (_("未分配到营业员（元）"), 16),
        ],
    )
    for row, item in enumerate(halls, start=1):
        ws.write_string(row, 0, text_safe(item.unit.marketing_unit.name))
        ws.write_string(row, 1, text_safe(item.hall.code))
        ws.write_string(row, 2, text_safe(item.hall.name))
        ws.write_string(row, 3, text_safe(item.hall.district.name))
        ws.write_string(row, 4, text_safe(item.grade or "—"))
        ws.write_string(row, 5, text_safe(item.get_coefficient_basis_display()))
        ws.write_number(row, 6, item.volume)
        ws.write_number(row, 7, float(item.coefficient), decimal)
        ws.write_number(row, 8, float(item.weight), decimal)
        ws.write_number(row, 9, float(item.share), percent)
        ws.write_number(row, 10, _number(item.amount), money)
        ws.write_number(row, 11, float(item.points_total), decimal)
        ws.write_number(row, 12, _number(item.staff_unallocated), money)

    ws = sheet(
        _("营业员"),
        [
            (_("营业厅编码"), 16),
            (_("营业厅"), 28),
            (_("工号"), 16),
            (_("姓名"), 12),
            (_("服务积点"), 10),
            (_("占营业厅比例"), 12),
            (_("酬金（元）"), 14),
            (_("当月离职"), 8),
        ],
    )
    for row, item in enumerate(staff, start=1):
        ws.write_string(row, 0, text_safe(item.hall_bonus.hall.code))
        ws.write_string(row, 1, text_safe(item.hall_bonus.hall.name))
        ws.write_string(row, 2, text_safe(item.staff.employee_no))
        ws.write_string(row, 3, text_safe(item.staff.name))
        ws.write_number(row, 4, float(item.points), decimal)
        ws.write_number(row, 5, float(item.share), percent)
        ws.write_number(row, 6, _number(item.amount), money)
        ws.write_string(row, 7, _("是") if item.left_in_month else "")

    ws = sheet(_("说明"), [(_("说明"), 100)])
    for row, line in enumerate(split.note_lines(), start=1):
        ws.write_string(row, 0, text_safe(line))
    book.close()
    return buffer.getvalue()


def _number(amount: Decimal) -> float:
    """Money as a spreadsheet number: a double keeps 15 significant digits, so every cent below 10^12 yuan shows."""
    return float(amount)
