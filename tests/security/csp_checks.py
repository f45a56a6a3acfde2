"""What a strict Content-Security-Policy (script-src 'self'; style-src 'self') forbids in a page.

Used on rendered pages and, with template tags blanked out, on the template sources themselves.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
_TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.violations: list[str] = []
        self._inline_script_open = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): (value or "") for name, value in attrs}
        where = f"line {self.getpos()[0]}: <{tag}>"
        if tag == "script":
            kind = names.get("type", "").strip().lower()
            if "src" not in names and kind != "application/json":
                self.violations.append(f"{where} inline script")
        if tag == "style":
            self.violations.append(f"{where} <style> element")
        for name, value in names.items():
            if name == "style":
                self.violations.append(f"{where} style attribute")
            elif name.startswith("on"):
                self.violations.append(f"{where} event handler attribute {name}")
            elif name in _URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.violations.append(f"{where} javascript: URL")

    handle_startendtag = handle_starttag


def csp_violations(html: str) -> list[str]:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.violations


def template_csp_violations(source: str) -> list[str]:
    """The same check on a template: comments dropped, each tag and variable replaced by a bare word, so
    that ``<li {% if a %}style="x"{% endif %}>`` still shows its style attribute."""
    source = _TEMPLATE_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    source = _TEMPLATE_TAG.sub(lambda m: " TPL " + "\n" * m.group(0).count("\n"), source)
    return csp_violations(source)
