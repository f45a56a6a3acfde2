"""Parsing one cell. Each parser returns the value or raises :class:`CellError` with the reason,
which the framework records against the row and column."""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from surveys.imports.reading import Cell, Formula


class CellError(ValueError):
    pass


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S")
_MONTH_RE = re.compile(r"^(\d{4})[-/年](\d{1,2})月?$")
_PHONE_RE = re.compile(r"^1\d{10}$")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "属实", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "不属实", ""}
NA_WORDS = {"不适用", "n/a", "na"}


def _guard(value: Cell) -> None:
    if isinstance(value, Formula):
        raise CellError(_("不能使用公式（%(formula)s），请粘贴为数值") % {"formula": value.text[:40]})


def text(value: Cell, *, required: bool = True, max_length: int = 255) -> str:
    _guard(value)
    if isinstance(value, dt.datetime | dt.date):
        raise CellError(_("应为文本，实际是日期"))
    if required and value == "":
        raise CellError(_("不能为空"))
    if len(value) > max_length:
        raise CellError(_("超过 %(max)s 个字符") % {"max": max_length})
    return value


def decimal(value: Cell, *, low: Decimal, high: Decimal, places: int = 2, required: bool = True) -> Decimal | None:
    _guard(value)
    if isinstance(value, dt.datetime | dt.date):
        raise CellError(_("应为数字，实际是日期"))
    # Files repeat the same few scores; a 50,000-row visit file has 1.3 million of them.
    number, error = _decimal_cached(value, low, high, places, required, translation.get_language())
    if error:
        raise CellError(error)
    return number


@functools.lru_cache(maxsize=8192)
def _decimal_cached(
    value: str, low: Decimal, high: Decimal, places: int, required: bool, language: str | None
) -> tuple[Decimal | None, str]:
    # ``language`` is part of the cache key: the error text is in the active language.
    try:
        return _decimal_parse(value, low=low, high=high, places=places, required=required), ""
    except CellError as exc:
        return None, str(exc)


def _decimal_parse(value: str, *, low: Decimal, high: Decimal, places: int, required: bool) -> Decimal | None:
    if value == "":
        if required:
            raise CellError(_("不能为空"))
        return None
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise CellError(_("应为数字：%(value)s") % {"value": value[:20]}) from exc
    if not number.is_finite():
        raise CellError(_("应为数字：%(value)s") % {"value": value[:20]})
    if number < low or number > high:
        raise CellError(_("应在 %(low)s 到 %(high)s 之间：%(value)s") % {"low": low, "high": high, "value": value[:20]})
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise CellError(_("最多 %(places)s 位小数：%(value)s") % {"places": places, "value": value[:20]})
    return number.quantize(Decimal(1).scaleb(-places))


def integer(value: Cell, *, low: int = 0, high: int = 10**9) -> int:
    number = decimal(value, low=Decimal(low), high=Decimal(high), places=0)
    return int(number)


def date(value: Cell) -> dt.date:
    """An Excel date cell, or text such as 2026-03-05, 2026/3/5 or 2026年3月5日."""
    _guard(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value == "":
        raise CellError(_("不能为空"))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CellError(_("无法识别的日期：%(value)s（应为 YYYY-MM-DD）") % {"value": value[:20]})


def datetime(value: Cell) -> dt.datetime:
    """An aware datetime in Asia/Shanghai; a bare date means midnight."""
    _guard(value)
    if isinstance(value, dt.datetime):
        naive = value
    elif isinstance(value, dt.date):
        naive = dt.datetime.combine(value, dt.time())
    elif value == "":
        raise CellError(_("不能为空"))
    else:
        naive = None
        for fmt in _DATETIME_FORMATS:
            try:
                naive = dt.datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        if naive is None:
            naive = dt.datetime.combine(date(value), dt.time())
    if naive.year < 2000 or naive.year > 2100:
        raise CellError(_("日期超出范围：%(date)s") % {"date": f"{naive:%Y-%m-%d}"})
    return timezone.make_aware(naive.replace(tzinfo=None, microsecond=0), timezone.get_default_timezone())


def month(value: Cell) -> dt.date:
    """A month: 2026-03, 2026/3, 2026年3月, or any date cell (its month)."""
    _guard(value)
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    if value == "":
        raise CellError(_("不能为空"))
    match = _MONTH_RE.match(value)
    if match and 1 <= int(match.group(2)) <= 12 and 2000 <= int(match.group(1)) <= 2100:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    try:
        day = date(value)
    except CellError:
        raise CellError(_("无法识别的月份：%(value)s（应为 YYYY-MM）") % {"value": value[:20]}) from None
    return dt.date(day.year, day.month, 1)


def boolean(value: Cell) -> bool:
    _guard(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("应为“是”或“否”：%(value)s") % {"value": word[:20]})


def phone(value: Cell) -> str:
    """A mainland mobile number, or blank. The value itself is never repeated in an error."""
    _guard(value)
    digits = str(value).replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if digits == "":
        return ""
    if not _PHONE_RE.match(digits):
        raise CellError(_("手机号应为 11 位数字"))
    return digits
