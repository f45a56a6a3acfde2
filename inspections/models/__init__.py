from inspections.models.inspection import (
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionState,
)
from inspections.models.rectification import (
    OUTSTANDING_STATES,
    EscalationLevel,
    Rectification,
    RectificationState,
)
from inspections.models.tree import Indicator, IndicatorKind, IndicatorScheme, SchemeState

__all__ = [
    "OUTSTANDING_STATES",
    "EscalationLevel",
    "Rectification",
    "RectificationState",
    "Indicator",
    "IndicatorKind",
    "IndicatorScheme",
    "Inspection",
    "InspectionItem",
    "InspectionKind",
    "InspectionState",
    "SchemeState",
]
