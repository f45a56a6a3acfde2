from __future__ import annotations

from django import template

from halls.selectors import scope_for
from inspections.selectors import coaching_list, inspection_list, rectification_list
from inspections.services.tree import points_text

register = template.Library()

ENTRY_PREFIXES = ("points", "na", "veto", "note", "staff", "photos")


@register.filter
def entry_fields(form, indicator) -> dict:
    """The bound fields of one indicator's row on the entry form, by prefix."""
    return {
        prefix: form[f"{prefix}_{indicator.pk}"]
        for prefix in ENTRY_PREFIXES
        if f"{prefix}_{indicator.pk}" in form.fields
    }


@register.filter
def points(value) -> str:
    return points_text(value)


@register.inclusion_tag("inspections/_hall_panel.html", takes_context=True)
def hall_quality_panel(context, hall) -> dict:
    """The hall page's inspections, rectifications and coaching visits (latest of each)."""
    user = context["request"].user
    # The lists' own selectors (scope included), narrowed to the columns the panel shows.
    inspections = (
        inspection_list(user=user, hall_id=hall.pk).select_related(None).select_related("inspector", "template")
    )
    rectifications = rectification_list(user=user).filter(hall_id=hall.pk).select_related(None)
    return {
        "hall": hall,
        "scope": scope_for(user),
        "inspections": inspections.only(
            "inspected_at",
            "kind",
            "state",
            "score",
            "vetoed",
            "inspector__username",
            "template__name_zh",
            "template__name_en",
            "inspector__first_name",
            "inspector__last_name",
        )[:10],
        "rectifications": rectifications.select_related("indicator").only(
            "state", "due_date", "escalation_level", "indicator__code", "indicator__name_zh", "indicator__name_en"
        )[:10],
        "visits": coaching_list(user=user, hall_id=hall.pk)
        .select_related(None)
        .only("kind", "visit_date", "content")[:5],
    }


@register.filter
def plan_status(statuses: dict, hall_id: int) -> str:
    """The label of the status a hall carries in a plan's month ({hall id: status})."""
    from halls.models import HallStatus

    value = statuses.get(hall_id)
    return HallStatus(value).label if value else "—"


@register.filter
def plan_focus(focus: dict, hall_id: int) -> list[str]:
    """A hall's focus items for today's patrol ({hall id: indicator names})."""
    return focus.get(hall_id, [])


@register.filter
def plan_kind_label(kind: str) -> str:
    from inspections.models import PlanLineKind

    return PlanLineKind(kind).label
