"""A hall's service archive (服务档案) exported as XLSX (one sheet per part) and as PDF (WeasyPrint, with
the 12-month trend drawn as SVG on the server). Both take the archive as the page reads it
(:func:`scoring.selectors.reports.hall_archive`), so the files say exactly what the page says."""

from __future__ import annotations

import io

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from halls.spreadsheets import cell_safe
from scoring.charts import trend_svg
from scoring.selectors.reports import Archive
from scoring.services.bulletins import html_to_pdf


def _sheet(workbook, name: str, headers: list[str], rows: list[list], bold) -> None:
    sheet = workbook.add_worksheet(name[:31])
    sheet.write_row(0, 0, [cell_safe(h) for h in headers], bold)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            cleaned = cell_safe("" if value is None else value)
            if isinstance(cleaned, str):
                sheet.write_string(index, column, cleaned)
            else:
                sheet.write(index, column, cleaned)


def archive_xlsx(*, archive: Archive) -> bytes:
    """Summary, composite explanation, 12-month trend, level-1 dimensions against the city, weakest
    indicators and outstanding rectifications, one sheet each; every text cell formula-safe."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "in_memory": True})
    bold = workbook.add_format({"bold": True})
    hall, r = archive.hall, archive.result
    summary = [
        [_("营业厅编码"), hall.code],
        [_("营业厅"), hall.name],
        [_("地市"), hall.district.city.name],
        [_("区县"), hall.district.name],
        [_("月份"), f"{archive.month:%Y-%m}" if archive.month else ""],
    ]
    if r is not None:
        summary += [
            [_("综合得分"), r.composite],
            [_("等级"), r.grade],
            [_("地市排名"), r.rank_city],
            [_("区县排名"), r.rank_district],
            [_("同类排名"), r.rank_kind],
            [_("下月状态"), r.get_next_status_display()],
        ]
    _sheet(workbook, _("概况"), [_("项目"), _("内容")], summary, bold)
    _sheet(
        workbook,
        _("综合得分构成"),
        [_("项目"), _("得分"), _("权重(%)"), _("贡献")],
        [[line.label, line.score, line.weight, line.contribution] for line in archive.explanation],
        bold,
    )
    trend = archive.trend or {"months": [], "composite": [], "rank": []}
    _sheet(
        workbook,
        _("近12个月"),
        [_("月份"), _("综合得分"), _("地市排名")],
        [list(row) for row in zip(trend["months"], trend["composite"], trend["rank"], strict=True)],
        bold,
    )
    _sheet(
        workbook,
        _("一级指标"),
        [_("指标"), _("本厅得分率(%)"), _("全市平均(%)")],
        [[d["name"], d["hall"], d["city"]] for d in archive.dimensions],
        bold,
    )
    _sheet(
        workbook,
        _("短板指标"),
        [_("指标编码"), _("指标"), _("所属"), _("失分"), _("失分率(%)"), _("检查次数")],
        [[w["code"], w["name"], w["parent"], w["lost"], w["share_lost"], w["checks"]] for w in archive.weak],
        bold,
    )
    _sheet(
        workbook,
        _("待整改项"),
        [_("指标"), _("整改期限")],
        [[f"{x.indicator.code} {x.indicator.name}", f"{x.due_date:%Y-%m-%d}"] for x in archive.rectifications],
        bold,
    )
    workbook.close()
    return buffer.getvalue()


def archive_pdf(*, archive: Archive) -> bytes:
    """The archive as a short PDF: the figures, the composite line by line, the trend as SVG, the
    dimensions, the weakest indicators and the outstanding rectifications."""
    html = render_to_string(
        "scoring/archive_pdf.html",
        {
            "archive": archive,
            "hall": archive.hall,
            "trend_chart": trend_svg(trend=archive.trend),
            "now": timezone.localtime(),
        },
    )
    pdf, _pages = html_to_pdf(html=html)
    return pdf
