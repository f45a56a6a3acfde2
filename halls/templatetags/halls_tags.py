from __future__ import annotations

from django import template

from halls.people import person_name

register = template.Library()


@register.filter
def person(user) -> str:
    """A person as pages name him: ``{{ appeal.decided_by|person|default:"—" }}``."""
    return person_name(user)
