from inspections.models.inspection import (
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionState,
)
from inspections.models.tree import Indicator, IndicatorKind, IndicatorScheme, SchemeState

__all__ = [
    "Indicator",
    "IndicatorKind",
    "IndicatorScheme",
    "Inspection",
    "InspectionItem",
    "InspectionKind",
    "InspectionState",
    "SchemeState",
]
