from inspections.models.appeal import Appeal, AppealState
from inspections.models.coaching import CoachingKind, CoachingVisit
from inspections.models.inspection import (
    TEMPLATE_KINDS,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionState,
)
from inspections.models.photo import Photo
from inspections.models.rectification import (
    CLOSED_STATES,
    OUTSTANDING_STATES,
    EscalationLevel,
    Rectification,
    RectificationState,
)
from inspections.models.tree import CheckTemplate, Indicator, IndicatorKind, IndicatorScheme, SchemeState

__all__ = [
    "Appeal",
    "CheckTemplate",
    "TEMPLATE_KINDS",
    "AppealState",
    "CoachingKind",
    "CoachingVisit",
    "Photo",
    "CLOSED_STATES",
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
