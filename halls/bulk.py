"""Fast bulk inserts for the largest writes (imports, grading results), inside the caller's transaction.

``bulk_create`` prepares every value through its field and, on SQLite, sends at most 999 parameters per
statement; for a 50,000-visit file (50,000 inspections and 1.3 million items) that alone takes more than a
minute. Here PostgreSQL takes the rows with COPY and SQLite with one prepared statement through
``executemany``. Callers pass values already validated against the table's constraints, which still
guard them; rows that need their primary keys back are looked up by their natural key afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
from django.db import connection
from django.db.models import Model


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _sqlite_value(value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _table_and_columns(model: type[Model], columns: Sequence[str]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), ", ".join(quote(column) for column in columns)


def _copy(model: type[Model], columns: Sequence[str], buffer: io.StringIO, options: str = "") -> None:
    """PostgreSQL's ``COPY … FROM STDIN`` of ``buffer`` (read from its start) into ``model``'s table."""
    table, names = _table_and_columns(model, columns)
    buffer.seek(0)
    with connection.cursor() as cursor, connection.wrap_database_errors:  # psycopg2's errors as Django's
        cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN{options}", buffer)


def rows_insert(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows`` (tuples of values in ``columns`` order, column names as in the table)."""
    if connection.vendor == "postgresql":
        convert = _cached(_copy_text)
        buffer = io.StringIO()
        buffer.writelines("\t".join([convert(value) for value in row]) + "\n" for row in rows)
        _copy(model, columns, buffer)
        return
    convert = _cached(_sqlite_value)
    table, names = _table_and_columns(model, columns)
    placeholders = ", ".join(["%s"] * len(columns))
    prepared = [tuple([convert(value) for value in row]) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)


def columns_insert(model: type[Model], columns: Mapping[str, Sequence]) -> None:
    """Insert rows given column by column (name → values, all of one length; each value an int, a bool or a
    str, such as a decimal's text "12.50" or a code; no NULL). PostgreSQL takes one COPY whose text is joined
    column-wise, far faster than :func:`rows_insert`'s value-by-value conversion for 100,000s of rows."""
    if not len(next(iter(columns.values()), ())):
        return
    if connection.vendor != "postgresql":
        rows_insert(model, list(columns), zip(*columns.values(), strict=True))
        return
    texts = []
    for values in columns.values():
        first = values[0]
        if isinstance(first, bool):
            texts.append(["t" if value else "f" for value in values])
        elif isinstance(first, str):
            joined = "".join(values)
            escape = any(special in joined for special in ("\\", "\t", "\n", "\r"))
            texts.append([_copy_text(value) for value in values] if escape else values)
        else:
            texts.append([str(value) for value in values])
    buffer = io.StringIO("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n")
    _copy(model, list(columns), buffer)


def cents_text(values: pd.Series) -> list[str | None]:
    """A float column as a two-decimal column's text (None where missing): correctly rounded, as Python's
    ``round(x, 2)``, not numpy's scaled rounding, and never "-0.00"."""
    return [
        None if value != value else ("0.00" if (text := f"{value:.2f}") == "-0.00" else text)
        for value in values.tolist()
    ]


def frame_insert(model: type[Model], frame: pd.DataFrame) -> None:
    """Insert every row of ``frame`` (columns named as in the table; NaN/NA/None for NULL), column by column
    rather than value by value: PostgreSQL takes the frame as CSV written by pandas, SQLite its rows.
    Decimal columns are best given as text (:func:`cents_text`): a float column is written as pandas prints it."""
    if frame.empty:
        return
    if connection.vendor != "postgresql":
        values = frame.astype(object).where(frame.notna(), None)
        rows_insert(model, list(frame.columns), values.itertuples(index=False, name=None))
        return
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, na_rep="\\N")
    _copy(model, list(frame.columns), buffer, " WITH (FORMAT csv, NULL '\\N')")


def _cached(convert):
    """Memoise ``convert`` by (type, value): imports repeat the same scores millions of times. The type is
    part of the key because True == 1 and Decimal("1") == 1 in Python."""
    cache: dict = {}

    def cached(value):
        key = (value.__class__, value)
        try:
            return cache[key]
        except KeyError:
            result = convert(value)
            if len(cache) < 200_000:
                cache[key] = result
            return result

    return cached


def tables_analyze(*models: type[Model]) -> None:
    """Refresh PostgreSQL's statistics after a large insert, so the queries that follow in the same
    transaction (opening rectifications) are planned for the rows just added, not for empty tables."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
