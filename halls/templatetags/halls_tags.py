from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

from halls.people import person_name

register = template.Library()


@register.filter
def person(user) -> str:
    """A person as pages name him: ``{{ appeal.decided_by|person|default:"—" }}``."""
    return person_name(user)


@register.filter
def yuan(amount) -> str:
    """Money as people read it: ``¥1,234,567.80`` (yuan to the cent, thousands grouped); "—" for none."""
    if amount is None or amount == "":
        return "—"
    return f"¥{floatformat(amount, '2g')}"
