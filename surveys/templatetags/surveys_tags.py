from __future__ import annotations

from django import template

from surveys.selectors import complaint_list, mystery_visit_list, phone_for, phone_mask, repair_case_list

register = template.Library()

HALL_PAGE_ROWS = 10


@register.simple_tag(takes_context=True)
def phone(context, number: str) -> str:
    """A respondent's phone, masked (the full number only on the follow-up page, see ``phone_for``)."""
    return phone_for(phone=number, user=context["request"].user)


@register.inclusion_tag("surveys/_hall_evidence.html", takes_context=True)
def hall_evidence(context, hall):
    """The hall page's mystery visits, repair list and complaints, through the viewer's scope."""
    user = context["request"].user
    # The lists' own selectors (scope included), narrowed to the columns the panel shows.
    visits = mystery_visit_list(user=user, hall_id=hall.pk).select_related(None)
    repair_cases = repair_case_list(user=user, hall_id=hall.pk).select_related(None).select_related("response")
    complaints = complaint_list(user=user, hall_id=hall.pk).select_related(None)
    return {
        "request": context["request"],
        "scope": context.get("scope"),
        "hall": hall,
        "visits": list(
            visits.only("inspected_at", "vendor", "scenario", "score", "vetoed").order_by("-inspected_at")[
                :HALL_PAGE_ROWS
            ]
        ),
        "repair_cases": list(
            repair_cases.only(
                "state", "follow_up", "response__responded_at", "response__respondent_phone", "response__overall"
            )[:HALL_PAGE_ROWS]
        ),
        "complaints": list(
            complaints.only("received_at", "external_id", "category", "channel", "substantiated").order_by(
                "-received_at"
            )[:HALL_PAGE_ROWS]
        ),
    }


@register.filter
def masked(number: str) -> str:
    """A number masked for everyone, HQ included (the complaint care list shows it only to the caller)."""
    return phone_mask(number)
