"""The column formats COPY reads, and the exact half-up rounding of inspection scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from bench.loader import SHANGHAI, Column
from bench.province import _fraction_to_hundredths


def test_scores_round_half_up_in_exact_integer_arithmetic():
    awarded = np.array([100, 200, 100, 1, 0])
    applicable = np.array([800, 300, 300, 800, 500])
    # 1/8 → 12.50; 2/3 → 66.666… → 66.67; 1/3 → 33.33; 0.01/8 × 100 = 0.125 → 0.13 (half up); 0 → 0.00
    assert _fraction_to_hundredths(awarded, applicable).tolist() == [1250, 6667, 3333, 13, 0]


def test_csv_cells_tell_null_from_empty_text_and_quote_text():
    text = Column("note", np.array(["", 'say "hi"', "整洁"], dtype=object), "text")
    assert text.csv_cells() == ['""', '"say ""hi"""', '"整洁"']
    points = Column("points", np.array([750, 0, 1234]), "dec", null=np.array([False, True, False]))
    assert points.csv_cells() == ["7.50", "", "12.34"]
    overall = Column("overall", np.array([90, 100]), "dec", places=1)
    assert overall.csv_cells() == ["9.0", "10.0"]
    assert Column("b", np.array([True, False]), "bool").csv_cells() == ["t", "f"]


def test_times_are_written_in_shanghai_time_and_read_back_aware():
    moment = Column("at", np.array(["2026-01-31T23:30:00"], dtype="datetime64[s]"), "datetime")
    assert moment.csv_cells() == ["2026-01-31T23:30:00+08:00"]
    assert moment.python_values() == [dt.datetime(2026, 1, 31, 23, 30, tzinfo=SHANGHAI)]
    assert Column("p", np.array([750]), "dec").python_values() == [Decimal("7.50")]
