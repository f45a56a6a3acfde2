"""Inspection totals: the one rule shared by entry, appeals and imports (docs/rules/en.md, how a check is scored)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from inspections.models import IndicatorKind, Inspection, InspectionItem

ZERO = Decimal("0")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Totals:
    points_awarded: Decimal
    points_applicable: Decimal
    score: Decimal | None
    vetoed: bool
    bonus_points: Decimal
    deduction_points: Decimal


def totals_compute(rows: Iterable[tuple[str, Decimal | None, Decimal, bool]]) -> Totals:
    """``rows`` are (indicator kind, points, max points, not applicable) per item.

    Applicable = Σ max of scored items not N/A; awarded = Σ their points; score = awarded / applicable
    × 100 to the cent (half up), None when nothing applies. A veto fails the month in grading; it does
    not change the score here.
    """
    awarded = applicable = bonus = deduction = ZERO
    vetoed = False
    for kind, points, max_points, not_applicable in rows:
        if kind == IndicatorKind.SCORED:
            if not_applicable:
                continue
            applicable += max_points
            awarded += points or ZERO
        elif kind == IndicatorKind.VETO:
            vetoed = True
        elif kind == IndicatorKind.BONUS:
            bonus += points or ZERO
        elif kind == IndicatorKind.DEDUCTION:
            deduction += points or ZERO
    score = (awarded / applicable * 100).quantize(CENT, rounding=ROUND_HALF_UP) if applicable else None
    return Totals(awarded, applicable, score, vetoed, bonus, deduction)


def inspection_totals_apply(*, inspection: Inspection) -> list[str]:
    """Recompute the totals from the items onto ``inspection`` (one read); the fields it set.

    A veto cleared on appeal is no longer a triggered veto: its row is left out; so is a deduction item
    recording a substantiated complaint (``Indicator.is_complaint``), scored in the complaint dimension.
    """
    rows = (
        InspectionItem.objects.filter(inspection=inspection)
        .exclude(veto_cleared=True)
        .exclude(indicator__is_complaint=True)
        .values_list("indicator__kind", "points", "max_points", "not_applicable")
    )
    totals = totals_compute(rows)
    for name, value in totals.__dict__.items():
        setattr(inspection, name, value)
    return list(totals.__dict__)


def inspection_totals_store(*, inspection: Inspection) -> Inspection:
    """Recompute and save the stored totals (used after an upheld appeal); the save is recorded."""
    inspection.save(update_fields=inspection_totals_apply(inspection=inspection))
    return inspection
