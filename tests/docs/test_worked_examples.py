"""The worked examples of the rules pages (Chinese and English) are what the application computes.

Each example is a Markdown table marked ``<!-- worked-example: NAME -->``: the inputs are read from the doc and
fed to the application's own code (grading's ``city_scores`` under the default policy; the bonus split's
``split_bonus`` on a database holding the doc's unit, halls, results, volumes and points), and every figure
the doc prints must come out. Editing the doc without the code, or the code without the doc, fails here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from incentives.models import HallBonus, StaffBonus
from incentives.services import split_bonus
from scoring.models import GradingPolicy, HallStatus
from scoring.services.compute import DIMENSIONS, EVIDENCE_COLUMNS, REMOTE_INTO, PolicyFigures, city_scores
from tests.docs.markdown_tables import DOCS, NO_DATA, marked_table
from tests.factories import HallFactory, MarketingUnitFactory
from tests.incentives.factories import BonusPoolFactory, ServiceVolumeFactory, StaffPointsFactory, published_month

RULES_PAGES = [DOCS / "rules" / "zh.md", DOCS / "rules" / "en.md"]
YES = {"是", "yes"}
SUPERVISED = {"督办厅", "supervised"}


def _number(cell: str) -> float:
    return np.nan if cell == NO_DATA else float(cell.replace(",", ""))


def _figure(value) -> str:
    """A computed figure as the doc prints it: two decimals, or the no-data dash."""
    return NO_DATA if pd.isna(value) else f"{value:.2f}"


def _evidence(rows: list[list[str]]) -> pd.DataFrame:
    """The doc's input table as grading's evidence frame: one city, one district, self-run halls."""
    records = []
    for number, (_hall, *cells) in enumerate(rows, start=1):
        m_aw, m_ap, satisfaction, i_aw, i_ap, complaints, bonus, deduction, vetoes = map(_number, cells)
        records.append(
            (number, 1, 1, "self", m_aw, m_ap, i_aw, i_ap, satisfaction, complaints, bonus, deduction, vetoes)
            # The example has no remote checks (under the default policy they would not count anyway).
            + (0.0,) * len(REMOTE_INTO)
        )
    return pd.DataFrame.from_records(records, columns=EVIDENCE_COLUMNS)


@pytest.mark.parametrize("page", RULES_PAGES, ids=lambda path: path.name)
def test_the_composite_example_is_what_grading_computes_under_the_default_policy(page):
    inputs = marked_table(page, "composite-input")
    expected = marked_table(page, "composite-result")
    assert [row[0] for row in inputs] == [row[0] for row in expected]

    scores = city_scores(_evidence(inputs), PolicyFigures.of(GradingPolicy())).set_index("hall_id")

    for number, (hall, *cells) in enumerate(expected, start=1):
        result = scores.loc[number]
        computed = []
        for dimension in DIMENSIONS:
            computed += [_figure(result[f"{dimension}_score"]), _figure(result[f"{dimension}_weight"])]
        computed += [_figure(result["bonus_points"]), _figure(result["deduction_points"])]
        computed += [_figure(result["composite"]), result["grade"] if result["graded"] else "not graded"]
        printed = cells[:-1] + ["not graded" if cells[-1] in {"不评定", "not graded"} else cells[-1]]
        assert printed == computed, f"{page.name}, hall {hall}"


@pytest.mark.parametrize("page", RULES_PAGES, ids=lambda path: path.name)
def test_the_split_example_is_what_the_bonus_split_pays_to_the_cent(page, db):
    """The doc's unit, halls, results, volumes and staff points are put in the database and the month is split
    by ``split_bonus`` itself: every coefficient, weight and amount of the doc must come out."""
    halls = marked_table(page, "split-halls")
    staff = marked_table(page, "split-staff")
    pool = Decimal("10000.00")
    assert f"¥{pool:,}" in page.read_text(encoding="utf-8")
    month = dt.date(2026, 3, 1)
    unit = MarketingUnitFactory()
    results, by_code = {}, {}
    for code, grade, status, veto, volume, *_figures in halls:
        hall = by_code[code] = HallFactory(code=code, marketing_unit=unit, district__city=unit.city)
        results[hall] = {
            "grade": grade,
            "status": HallStatus.SUPERVISED if status in SUPERVISED else HallStatus.NORMAL,
            "vetoed": veto in YES,
        }
        ServiceVolumeFactory(hall=hall, month=month, front_desk=int(volume))
    published_month(month, results)
    first_hall = by_code[halls[0][0]]
    for employee_no, points, _amount in staff:
        StaffPointsFactory(staff__hall=first_hall, staff__employee_no=employee_no, month=month, points=points)
    BonusPoolFactory(marketing_unit=unit, month=month, amount=pool)

    split = split_bonus(month=month)

    computed = {
        row.hall.code: [f"{row.coefficient.normalize():f}", f"{row.weight:.2f}", f"{row.amount:.2f}"]
        for row in HallBonus.objects.filter(split=split).select_related("hall")
    }
    printed = {
        code: [f"{Decimal(coefficient).normalize():f}", weight, amount]
        for code, *_, coefficient, weight, amount in halls
    }
    assert computed == printed, page.name
    assert split.hall_total == pool
    paid = {
        row.staff.employee_no: f"{row.amount:.2f}"
        for row in StaffBonus.objects.filter(split=split).select_related("staff")
    }
    assert paid == {employee_no: amount for employee_no, _points, amount in staff}, page.name
