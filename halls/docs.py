"""The documentation site next to the application: served under /docs/ when built, linked from the pages.

``mkdocs build`` writes the site into ``HALLQ_DOCS_DIR`` (``site/`` by default, not kept in git). WhiteNoise
serves it as static files, before the session, CSP and login middleware: the docs hold nothing secret, and the
theme's own scripts would not run under the pages' strict Content-Security-Policy. Links from the pages go to
``HALLQ_DOCS_URL`` (``/docs/`` by default, or wherever else the site is published).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation
from whitenoise.middleware import WhiteNoiseMiddleware

DOCS_PREFIX = "docs/"


class DocsWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise for the static files, and for the built docs under /docs/ when ``HALLQ_DOCS_DIR`` exists."""

    def __init__(self, get_response=None, settings=settings):
        super().__init__(get_response, settings=settings)
        docs = Path(settings.HALLQ_DOCS_DIR)
        if docs.is_dir():
            self.add_files(str(docs), prefix=DOCS_PREFIX)


def docs_url(page: str, anchor: str = "") -> str:
    """The address of a page of the docs; ``{lang}`` in ``page`` becomes the page's language (``zh`` or ``en``,
    after the active language), for the pages written in both (the rules)."""
    language = "en" if (translation.get_language() or "").startswith("en") else "zh"
    url = settings.HALLQ_DOCS_URL.rstrip("/") + "/" + page.format(lang=language).lstrip("/")
    return f"{url}#{anchor}" if anchor else url
