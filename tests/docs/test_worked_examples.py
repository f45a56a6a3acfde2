"""The worked examples of the rules pages (Chinese and English) are what the application computes.

Each example is a Markdown table marked ``<!-- worked-example: NAME -->``: the inputs are read from the doc and
fed to the application's own functions (grading's ``city_scores`` under the default policy, the bonus split's
coefficient rule and ``split_by_weight``), and every figure the doc prints must come out. Editing the doc
without the code, or the code without the doc, fails here.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from incentives.allocation import split_by_weight
from incentives.models import CoefficientTable
from incentives.services import _coefficient_for
from scoring.models import GradingPolicy, HallMonthResult, HallStatus
from scoring.services.compute import DIMENSIONS, EVIDENCE_COLUMNS, PolicyFigures, city_scores
from tests.docs.markdown_tables import DOCS, NO_DATA, marked_table

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
def test_the_split_example_is_what_the_bonus_split_pays_to_the_cent(page):
    halls = marked_table(page, "split-halls")
    staff = marked_table(page, "split-staff")
    pool = Decimal("10000.00")
    assert f"{pool:,}" in page.read_text(encoding="utf-8")
    table = CoefficientTable()  # the default coefficients (version 1)

    weights = {}
    for code, grade, status, veto, volume, coefficient, weight, _amount in halls:
        result = HallMonthResult(
            graded=True,
            grade=grade,
            status=HallStatus.SUPERVISED if status in SUPERVISED else HallStatus.NORMAL,
            vetoed=veto in YES,
        )
        _basis, computed_coefficient = _coefficient_for(result, table)
        assert computed_coefficient == Decimal(coefficient), f"{page.name}, hall {code}"
        weights[code] = Decimal(volume) * computed_coefficient  # as split_bonus weighs a hall
        assert weights[code] == Decimal(weight), f"{page.name}, hall {code}"

    amounts = split_by_weight(pool, weights)
    assert {code: f"{amount:.2f}" for code, amount in amounts.items()} == {row[0]: row[-1] for row in halls}
    assert sum(amounts.values()) == pool

    first_hall = halls[0][0]
    points = {employee: Decimal(value) for employee, value, _amount in staff}
    staff_amounts = split_by_weight(amounts[first_hall], points)
    assert {employee: f"{amount:.2f}" for employee, amount in staff_amounts.items()} == {
        employee: amount for employee, _points, amount in staff
    }
    assert sum(staff_amounts.values()) == amounts[first_hall]
