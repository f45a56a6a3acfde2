"""The one guard every CSV and XLSX export uses against formula injection: a text cell that a
spreadsheet would evaluate (it starts with =, +, -, @, tab, CR or LF) gets a leading apostrophe;
numbers stay numbers."""

from __future__ import annotations

from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def text_safe(value) -> str:
    """``value`` as text no spreadsheet will evaluate (None is empty)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell_safe(value):
    """Numbers (and booleans) unchanged, anything else through :func:`text_safe`."""
    if isinstance(value, bool | int | float | Decimal):
        return value
    return text_safe(value)
