from __future__ import annotations

from django import template

from halls.docs import docs_url as _docs_url

register = template.Library()


@register.simple_tag
def docs_url(page: str, anchor: str = "") -> str:
    """``{% docs_url "rules/{lang}/" "composite" %}``: a link into the docs (see ``halls.docs``)."""
    return _docs_url(page, anchor)
