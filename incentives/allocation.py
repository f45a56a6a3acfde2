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
