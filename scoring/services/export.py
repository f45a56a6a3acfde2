"""Exporting a month's results as CSV or XLSX, one row per hall, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from halls.months import month_label
from halls.spreadsheets import cell_safe
from scoring.models import GradingRun
from scoring.selectors.grading import run_live_for_month, run_results

EXPORT_FORMATS = ("csv", "xlsx")
HEADER = [
    "营业厅编码",
    "营业厅名称",
    "地市",
    "区县",
    "综合得分",
    "等级",
    "地市排名",
    "区县排名",
    "同类排名",
    "当月状态",
    "下月状态",
    "状态评定分组",
    "组内排名",
    "组内营业厅数",
    "暗访得分",
    "暗访权重",
    "满意度得分",
    "满意度权重",
    "检查得分",
    "检查权重",
    "投诉得分",
    "投诉权重",
    "加分",
    "扣分",
    "一票否决",
    "未评定原因",
]


def _rows(run: GradingRun) -> list[list]:
    rows = []
    for r in run_results(run=run):
        rows.append(
            [
                r.hall.code,
                r.hall.name,
                r.hall.district.city.name,
                r.hall.district.name,
                r.composite,
                r.grade,
                r.rank_city,
                r.rank_district,
                r.rank_kind,
                r.get_status_display(),
                r.get_next_status_display(),
                r.get_ranking_group_display(),
                r.group_rank,
                r.group_size,
                r.mystery_score,
                r.mystery_weight,
                r.satisfaction_score,
                r.satisfaction_weight,
                r.inspection_score,
                r.inspection_weight,
                r.complaint_score,
                r.complaint_weight,
                r.bonus_points,
                r.deduction_points,
                "是" if r.vetoed else "",
                r.not_graded_reason,
            ]
        )
    return rows


def results_export(*, month: dt.date, fmt: str) -> tuple[GradingRun, bytes]:
    """The month's results (published, else the newest draft) as ``fmt`` bytes."""
    if fmt not in EXPORT_FORMATS:
        raise ApplicationError(_("导出格式应为 csv 或 xlsx：%(format)r") % {"format": fmt})
    run = run_live_for_month(month=month)
    if run is None:
        raise ApplicationError(_("%(month)s 还没有评定结果") % {"month": month_label(month)})
    rows = [[cell_safe(value) for value in row] for row in _rows(run)]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADER)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return run, buffer.getvalue().encode("utf-8-sig")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(month_label(month))
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, [float(v) if isinstance(v, Decimal) else v for v in row])
    workbook.close()
    return run, buffer.getvalue()
