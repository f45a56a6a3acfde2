from inspections.models.appeal import Appeal, AppealState
from inspections.models.coaching import CoachingKind, CoachingVisit, LookBackItem
from inspections.models.inspection import (
    TEMPLATE_KINDS,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionState,
)
from inspections.models.photo import Photo
from inspections.models.plan import (
    COACHING_LINE_KINDS,
    INSPECTION_LINE_KINDS,
    OPEN_LINE_STATES,
    InspectionPlan,
    PlanHall,
    PlanLine,
    PlanLineKind,
    PlanLineState,
)
from inspections.models.rectification import (
    CLOSED_STATES,
    OUTSTANDING_STATES,
    EscalationLevel,
    EscalationWarning,
    Rectification,
    RectificationState,
    WarningSubject,
)
from inspections.models.tree import CheckTemplate, Indicator, IndicatorKind, IndicatorScheme, SchemeState

__all__ = [
    "Appeal",
    "CheckTemplate",
    "TEMPLATE_KINDS",
    "AppealState",
    "CoachingKind",
    "CoachingVisit",
    "LookBackItem",
    "Photo",
    "COACHING_LINE_KINDS",
    "INSPECTION_LINE_KINDS",
    "OPEN_LINE_STATES",
    "InspectionPlan",
    "PlanHall",
    "PlanLine",
    "PlanLineKind",
    "PlanLineState",
    "CLOSED_STATES",
    "OUTSTANDING_STATES",
    "EscalationLevel",
    "EscalationWarning",
    "WarningSubject",
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
