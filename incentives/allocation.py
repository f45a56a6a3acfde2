"""Splitting an amount of money by weights, to the cent, so that the parts sum exactly to the whole.

The largest-remainder (Hamilton) method, computed in exact rationals on whole cents:

1. Each part's exact due is ``total_cents × weight / Σ weights``; it first gets the whole cents of that.
2. The cents left over (fewer than the number of parts) go one each to the parts with the largest fractional
   remainders. Ties are broken, in this order, by the larger remainder, then the larger weight, then the
   smaller key (a hall code or an employee number), so the same input always gives the same cents, whatever
   order the parts come in.

Consequences the tests check for any input: the parts sum exactly to the total, no part is negative, and a
part with a larger weight never gets less than one with a smaller weight (its exact due is larger, so its
whole cents are at least as many, and at equal whole cents its remainder is larger and it ranks first).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)

CENT = Decimal("0.01")


class NothingToSplitBy(ValueError):
    """Every weight is zero (or there are no parts): the total cannot be split and stays unallocated."""


def split_by_weight(total: Decimal, weights: Mapping[K, Decimal], *, sort_key=None) -> dict[K, Decimal]:
    """``total`` (yuan, whole cents, ≥ 0) split among ``weights`` (each ≥ 0) to the cent.

    ``sort_key(key)`` orders keys for the last tie-break (default: the key itself).
    Raises :class:`NothingToSplitBy` when the weights sum to zero, ``ValueError`` on a negative weight or a
    total that is negative or not in whole cents.
    """
    if total < 0 or total != total.quantize(CENT):
        raise ValueError(f"total must be a non-negative amount in whole cents, not {total}")
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("weights must not be negative")
    weight_sum = sum((Fraction(weight) for weight in weights.values()), Fraction(0))
    if weight_sum == 0:
        raise NothingToSplitBy("every weight is zero")
    total_cents = int(total / CENT)
    whole: dict[K, int] = {}
    remainder: dict[K, Fraction] = {}
    for key, weight in weights.items():
        due = total_cents * Fraction(weight) / weight_sum
        whole[key] = due.numerator // due.denominator
        remainder[key] = due - whole[key]
    leftover = total_cents - sum(whole.values())
    tie_key = sort_key or (lambda key: key)
    ranked = sorted(weights, key=lambda key: (-remainder[key], -weights[key], tie_key(key)))
    for key in ranked[:leftover]:
        whole[key] += 1
    return {key: Decimal(cents) * CENT for key, cents in whole.items()}


# The same two roundings for many splits at once, in whole numbers (numpy), for the bulk split of a month:
# amounts in cents, weights scaled to integers by their decimal places. Products such as cents × weight stay
# in int64 while they provably fit, and are otherwise computed in Python integers (object arrays): exact
# either way, never floating point.
INT64_SAFE = 2**62


def _exact_product_dtype(*largest: int):
    product = 1
    for value in largest:
        product *= max(int(value), 1)
    return np.int64 if product < INT64_SAFE else object


def largest_remainder_cents(
    totals: np.ndarray, group: np.ndarray, weights: np.ndarray, tie_rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`split_by_weight` for many totals at once: part ``i`` of group ``group[i]`` gets its cents of
    ``totals[group[i]]`` (whole cents ≥ 0) by ``weights[i]`` (integers ≥ 0, one scale within a group).

    ``tie_rank[i]`` orders parts for the last tie-break as ``split_by_weight``'s keys sort (smaller first).
    Returns (cents of each part, whether each group could be split): a group whose weights sum to zero (or
    that has no part) is not split and its parts get 0, where :func:`split_by_weight` raises
    :class:`NothingToSplitBy`.
    """
    totals = np.asarray(totals, dtype=np.int64)
    group = np.asarray(group, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    if (totals < 0).any() or (weights < 0).any():
        raise ValueError("totals and weights must not be negative")
    weight_sums = np.zeros(len(totals), dtype=np.int64)
    if len(weights) and int(weights.max()) * len(weights) >= INT64_SAFE:
        raise ValueError("weights too large to sum exactly")
    np.add.at(weight_sums, group, weights)
    splittable = weight_sums > 0
    if not len(weights):
        return np.zeros(0, dtype=np.int64), splittable
    part_totals = totals[group]
    part_sums = weight_sums[group]
    safe_sums = np.where(part_sums > 0, part_sums, 1)
    dtype = _exact_product_dtype(part_totals.max(), weights.max())
    due = part_totals.astype(dtype) * weights.astype(dtype)  # exact due = due / part_sums cents
    whole = (due // safe_sums.astype(dtype)).astype(np.int64)
    remainder = (due % safe_sums.astype(dtype)).astype(np.int64)  # < the group's weight sum: fits int64
    whole[part_sums == 0] = 0
    remainder[part_sums == 0] = 0
    given = np.zeros(len(totals), dtype=np.int64)
    np.add.at(given, group, whole)
    leftover = np.where(splittable, totals - given, 0)
    # Within each group: larger remainder first (all remainders of a group share its denominator), then the
    # larger weight, then the smaller tie rank; the first ``leftover`` parts get one cent more.
    order = np.lexsort((tie_rank, -weights, -remainder, group))
    ordered_groups = group[order]
    starts = np.searchsorted(ordered_groups, ordered_groups, side="left")
    place = np.arange(len(order)) - starts
    extra = np.zeros(len(weights), dtype=np.int64)
    extra[order] = (place < leftover[ordered_groups]).astype(np.int64)
    return whole + extra, splittable


def half_up_ratio(parts: np.ndarray, wholes: np.ndarray, places: int) -> np.ndarray:
    """``parts / wholes`` rounded half up to ``places`` decimals, as integers in units of 10^-places (0 where
    the whole is 0): ``(Decimal(part) / Decimal(whole)).quantize(…, ROUND_HALF_UP)`` for non-negative
    integers small enough that the 28-digit division is exact to well past the rounding digit."""
    parts = np.asarray(parts, dtype=np.int64)
    wholes = np.asarray(wholes, dtype=np.int64)
    if not len(parts):
        return np.zeros(0, dtype=np.int64)
    scale = 10**places
    dtype = _exact_product_dtype(2 * scale, parts.max() + wholes.max())
    safe = np.where(wholes > 0, wholes, 1).astype(dtype)
    ratio = (2 * scale * parts.astype(dtype) + safe) // (2 * safe)
    return np.where(wholes > 0, ratio.astype(np.int64), 0)
