from __future__ import annotations

from decimal import Decimal

from django import template

from incentives.selectors import hall_bonus_latest

register = template.Library()


@register.filter
def percent(share: Decimal | None) -> str:
    """A share (0..1) as a percentage with four decimals: 0.35928144 → "35.9281%"."""
    if share is None:
        return "—"
    return f"{(Decimal(share) * 100).quantize(Decimal('0.0001'))}%"


@register.inclusion_tag("incentives/_hall_bonus_panel.html", takes_context=True)
def hall_bonus_panel(context, hall):
    """The hall's amount in the latest approved split, for the hall's page (already scoped to the viewer)."""
    user = context["request"].user
    return {"hall": hall, "hall_bonus": hall_bonus_latest(user=user, hall=hall)}
