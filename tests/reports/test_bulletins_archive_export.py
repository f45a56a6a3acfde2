"""A hall's service archive exported as XLSX and PDF: the files say what the page says.

Hall a1 in June (tests/reports/factories.py): 92.50, grade A, first of the four halls of its city,
95 × 40% + 90 × 30% + 90 × 20% + 95 × 10% = 38 + 27 + 18 + 9.5 = 92.50; May 88.00.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def test_the_hall_manager_downloads_his_archive_as_a_workbook(client, world, gradings):
    client.force_login(world.manager_a1)
    response = client.get(reverse("halls:archive_xlsx", args=[world.hall_a1.pk]), {"month": "2026-06"})
    assert response.status_code == 200
    assert f"archive-{world.hall_a1.code}-2026-06.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["综合得分"] == 92.5 and summary["等级"] == "A" and summary["地市排名"] == 1
    explanation = {row[0]: row[3] for row in book["综合得分构成"].iter_rows(min_row=2, values_only=True)}
    assert explanation["暗访"] == 38 and explanation["投诉"] == 9.5  # 95 × 40% and 95 × 10%
    trend = {row[0]: row[1] for row in book["近12个月"].iter_rows(min_row=2, values_only=True)}
    assert trend["2026-05"] == 88 and trend["2026-06"] == 92.5


def test_a_hall_name_that_looks_like_a_formula_stays_text_in_the_workbook(client, world, gradings):
    world.hall_a1.name = '=HYPERLINK("x")'
    world.hall_a1.save()
    client.force_login(world.hq)
    response = client.get(reverse("halls:archive_xlsx", args=[world.hall_a1.pk]), {"month": "2026-06"})
    summary = {
        row[0]: row[1] for row in load_workbook(io.BytesIO(response.content))["概况"].iter_rows(values_only=True)
    }
    assert summary["营业厅"] == '\'=HYPERLINK("x")'


def test_the_archive_pdf_carries_the_figures_and_chinese_text(client, world, gradings):
    client.force_login(world.district_a)
    response = client.get(reverse("halls:archive_pdf", args=[world.hall_a1.pk]), {"month": "2026-06"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert world.hall_a1.name in text and "综合得分怎么来的" in text
    assert "92.50" in text and "38.00" in text  # the composite and the mystery line's contribution


def test_another_districts_manager_cannot_export_the_archive(client, world, gradings):
    client.force_login(world.district_b)
    for name in ("halls:archive_xlsx", "halls:archive_pdf"):
        assert client.get(reverse(name, args=[world.hall_a1.pk])).status_code == 404
