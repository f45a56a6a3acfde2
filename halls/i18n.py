"""Messages kept in the database and shown later, in the language of whoever reads them.

A notification is written once (by a task, for several people) and read later, maybe in English: so it
keeps its Chinese message id and the values that fill it, and is translated when shown. A value that is
words of the application (an indicator's name, an appeal's outcome) is kept in every language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


def in_each_language(text: Callable[[], object]) -> dict[str, str]:
    """``text()`` evaluated once per language of the interface: {"zh-hans": "已支持", "en": "upheld"}."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[code] = str(text())
    return values


def name_field(prefix: str = "") -> str:
    """The column holding a name kept in both languages (``name_zh``, ``name_en``) in the active language,
    after ``prefix`` (a lookup path such as "indicator__parent__" for a query)."""
    return f"{prefix}name_en" if (translation.get_language() or "").startswith("en") else f"{prefix}name_zh"


def localized(value) -> object:
    """A value of :func:`in_each_language` in the active language (the default language's when the active
    one is missing); any other value as it is."""
    if not isinstance(value, dict):
        return value
    language = translation.get_language() or settings.LANGUAGE_CODE
    for code in (language, language.split("-")[0], settings.LANGUAGE_CODE):
        if code in value:
            return value[code]
    return next(iter(value.values()), "")


def message_render(message_id: str, params: dict | None) -> str:
    """``message_id`` translated into the active language and filled with ``params``; a text stored without
    params (older rows, plain text) is shown as it is."""
    if params is None or not message_id:
        return message_id
    return gettext(message_id) % {name: localized(value) for name, value in params.items()}
