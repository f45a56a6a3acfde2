"""Splitting money by weight to the cent: properties for any input, and small worked examples."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incentives.allocation import NothingToSplitBy, split_by_weight

totals = st.integers(min_value=0, max_value=10**11).map(lambda cents: Decimal(cents) / 100)
weights = st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False, allow_infinity=False)
weight_maps = st.dictionaries(st.text(min_size=1, max_size=6), weights, min_size=1, max_size=30).filter(
    lambda parts: sum(parts.values()) > 0
)


@given(total=totals, parts=weight_maps)
def test_shares_sum_exactly_to_the_total_and_none_is_negative(total, parts):
    shares = split_by_weight(total, parts)
    assert sum(shares.values()) == total
    assert all(share >= 0 for share in shares.values())
    assert all(share == share.quantize(Decimal("0.01")) for share in shares.values())
    assert shares.keys() == parts.keys()


@given(total=totals, parts=weight_maps)
def test_a_larger_weight_never_gets_less(total, parts):
    shares = split_by_weight(total, parts)
    for a in parts:
        for b in parts:
            if parts[a] > parts[b]:
                assert shares[a] >= shares[b], (a, b)


@given(total=totals, parts=weight_maps, seed=st.integers())
def test_the_same_input_gives_the_same_cents_in_any_order(total, parts, seed):
    items = list(parts.items())
    random.Random(seed).shuffle(items)
    assert split_by_weight(total, dict(items)) == split_by_weight(total, parts)


@given(total=totals, parts=weight_maps)
def test_each_share_is_within_a_cent_of_its_exact_due(total, parts):
    shares = split_by_weight(total, parts)
    weight_sum = sum(parts.values())
    for key, weight in parts.items():
        exact = total * weight / weight_sum
        assert abs(shares[key] - exact) < Decimal("0.01")


def test_the_left_over_cent_goes_to_the_largest_remainder():
    # 100.00 × (2, 1) / 3 = 66.666…, 33.333…: whole cents 66.66 + 33.33 = 99.99; remainders .6 and .3,
    # so the left-over cent goes to the first.
    assert split_by_weight(Decimal("100.00"), {"x": Decimal(2), "y": Decimal(1)}) == {
        "x": Decimal("66.67"),
        "y": Decimal("33.33"),
    }


def test_equal_remainders_and_weights_are_broken_by_the_smaller_key():
    # 100.00 / 3 = 33.333… each; one cent left over, equal remainders and weights: the smallest key takes it.
    shares = split_by_weight(Decimal("100.00"), {"H3": Decimal(1), "H1": Decimal(1), "H2": Decimal(1)})
    assert shares == {"H1": Decimal("33.34"), "H2": Decimal("33.33"), "H3": Decimal("33.33")}


def test_equal_remainders_are_broken_by_the_larger_weight_before_the_key():
    # 0.03 × (1, 1, 2, 2) / 6: dues 0.5, 0.5, 1, 1 cents; whole 0, 0, 1, 1; one cent left for the two 0.5s.
    # Same remainder, same weight → key "a" before "b".
    shares = split_by_weight(Decimal("0.03"), {"b": Decimal(1), "a": Decimal(1), "c": Decimal(2), "d": Decimal(2)})
    assert shares == {"a": Decimal("0.01"), "b": Decimal("0.00"), "c": Decimal("0.01"), "d": Decimal("0.01")}


def test_a_custom_sort_key_decides_the_last_tie():
    shares = split_by_weight(Decimal("0.01"), {1: Decimal(1), 2: Decimal(1)}, sort_key=lambda key: -key)
    assert shares == {1: Decimal("0.00"), 2: Decimal("0.01")}


@pytest.mark.parametrize("parts", [{}, {"a": Decimal(0), "b": Decimal(0)}])
def test_all_zero_weights_cannot_be_split(parts):
    with pytest.raises(NothingToSplitBy):
        split_by_weight(Decimal("10.00"), parts)


@pytest.mark.parametrize(
    ("total", "parts"),
    [
        (Decimal("-1.00"), {"a": Decimal(1)}),
        (Decimal("1.001"), {"a": Decimal(1)}),
        (Decimal("1.00"), {"a": Decimal(1), "b": Decimal(-1)}),
    ],
)
def test_a_negative_weight_or_a_total_not_in_cents_is_refused(total, parts):
    with pytest.raises(ValueError):
        split_by_weight(total, parts)
