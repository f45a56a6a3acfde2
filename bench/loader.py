"""Bulk loading of column arrays: COPY from an in-memory CSV buffer on PostgreSQL, large ``bulk_create``
batches elsewhere. Constraints, indexes and foreign keys stay in place; ids are allocated explicitly
(``id_block``) so that rows of one table can point at rows of another without reading them back, and
PostgreSQL's identity sequences are moved past them afterwards (``sequences_reset``).

The generator is the only writer while it runs: ``id_block`` takes an EXCLUSIVE lock on PostgreSQL (reads
go on, other writers wait) so that no one else takes ids from under it.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection, models

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK_ROWS = 200_000

ColumnKind = Literal["int", "dec", "bool", "text", "date", "datetime"]


@dataclass
class Column:
    """One column of a table chunk.

    ``int``: integers; ``dec``: integers scaled by 10**places (points 7.5 → 750 with places=2);
    ``bool``; ``text``: an object array of str; ``date``: datetime64[D]; ``datetime``: datetime64[s] in
    Asia/Shanghai local time. ``null`` marks NULLs (any kind).
    """

    name: str
    values: np.ndarray
    kind: ColumnKind
    places: int = 2
    null: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values)

    def sliced(self, start: int, stop: int) -> Column:
        return Column(
            self.name,
            self.values[start:stop],
            self.kind,
            self.places,
            None if self.null is None else self.null[start:stop],
        )

    # --- CSV for COPY (PostgreSQL) ------------------------------------------------------------
    def csv_cells(self) -> list[str]:
        """Cells as PostgreSQL's CSV format reads them: an unquoted empty cell is NULL, text is quoted."""
        values = self.values
        if self.kind == "int":
            cells = list(map(str, values.tolist()))
        elif self.kind == "dec":
            cells = _decimal_cells(values, self.places)
        elif self.kind == "bool":
            cells = np.where(values, "t", "f").tolist()
        elif self.kind == "text":
            cells = [f'"{s}"' if '"' not in s else '"' + s.replace('"', '""') + '"' for s in values.tolist()]
        elif self.kind == "date":
            cells = np.datetime_as_string(values.astype("datetime64[D]")).tolist()
        else:  # datetime: local Shanghai time, written with its offset
            cells = [s + "+08:00" for s in np.datetime_as_string(values.astype("datetime64[s]")).tolist()]
        if self.null is not None and self.null.any():
            for index in np.flatnonzero(self.null).tolist():
                cells[index] = ""
        return cells

    # --- Python values for bulk_create (SQLite) -----------------------------------------------
    def python_values(self) -> list:
        values = self.values
        if self.kind == "int":
            out = values.tolist()
        elif self.kind == "dec":
            out = [Decimal(v).scaleb(-self.places) for v in values.tolist()]
        elif self.kind == "bool":
            out = values.astype(bool).tolist()
        elif self.kind == "text":
            out = list(values)
        elif self.kind == "date":
            out = values.astype("datetime64[D]").astype(object).tolist()
        else:
            out = [moment.replace(tzinfo=SHANGHAI) for moment in values.astype("datetime64[s]").astype(object).tolist()]
        if self.null is not None and self.null.any():
            for index in np.flatnonzero(self.null).tolist():
                out[index] = None
        return out


_DECIMAL_TABLES: dict[tuple[int, int], list[str]] = {}


def _decimal_cells(values: np.ndarray, places: int) -> list[str]:
    """Scaled integers as decimal text; a lookup table for the small ranges points live in."""
    scale = 10**places
    if len(values) and values.min() >= 0 and values.max() < 200_000:
        key = (places, 200_000)
        table = _DECIMAL_TABLES.get(key)
        if table is None:
            table = np.array([f"{i // scale}.{i % scale:0{places}d}" for i in range(200_000)], dtype=object)
            _DECIMAL_TABLES[key] = table
        return table[values].tolist()
    return [f"{'-' if v < 0 else ''}{abs(v) // scale}.{abs(v) % scale:0{places}d}" for v in values.tolist()]


@dataclass
class TableTiming:
    rows: int = 0
    build_seconds: float = 0.0
    write_seconds: float = 0.0


@dataclass
class Loader:
    """Writes table chunks and keeps the rows and seconds spent per table."""

    chunk_rows: int = CHUNK_ROWS
    timings: dict[str, TableTiming] = field(default_factory=lambda: defaultdict(TableTiming))
    touched: set[type[models.Model]] = field(default_factory=set)

    @property
    def is_postgres(self) -> bool:
        return connection.vendor == "postgresql"

    def id_block(self, model: type[models.Model], count: int) -> np.ndarray:
        """``count`` fresh ids for ``model``, above every id it holds."""
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            if self.is_postgres:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            top = cursor.fetchone()[0]
        return np.arange(top + 1, top + 1 + count, dtype=np.int64)

    def add_build_time(self, model: type[models.Model], seconds: float) -> None:
        self.timings[model._meta.db_table].build_seconds += seconds

    def write(self, model: type[models.Model], columns: list[Column]) -> int:
        rows = len(columns[0])
        if any(len(column) != rows for column in columns):
            raise ValueError(f"{model.__name__}: columns of different lengths")
        started = time.perf_counter()
        for start in range(0, rows, self.chunk_rows):
            chunk = [column.sliced(start, min(start + self.chunk_rows, rows)) for column in columns]
            if self.is_postgres:
                self._copy(model, chunk)
            else:
                self._bulk_create(model, chunk)
        timing = self.timings[model._meta.db_table]
        timing.rows += rows
        timing.write_seconds += time.perf_counter() - started
        self.touched.add(model)
        return rows

    def _copy(self, model: type[models.Model], chunk: list[Column]) -> None:
        buffer = io.StringIO()
        cells = [column.csv_cells() for column in chunk]
        buffer.write("\n".join(map(",".join, zip(*cells, strict=True))))
        buffer.write("\n")
        buffer.seek(0)
        quote = connection.ops.quote_name
        names = ", ".join(quote(column.name) for column in chunk)
        sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN WITH (FORMAT csv)"
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, buffer)

    def _bulk_create(self, model: type[models.Model], chunk: list[Column]) -> None:
        names = [column.name for column in chunk]
        objects = [
            model(**dict(zip(names, row, strict=True))) for row in zip(*(c.python_values() for c in chunk), strict=True)
        ]
        model.objects.bulk_create(objects, batch_size=5000)

    def sequences_reset(self) -> None:
        """Move each touched table's id sequence past the ids given explicitly (PostgreSQL only; SQLite
        takes the next id from the largest one present)."""
        if not self.is_postgres or not self.touched:
            return
        with connection.cursor() as cursor:
            for model in sorted(self.touched, key=lambda m: m._meta.db_table):
                table = model._meta.db_table
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
                    f"FROM {connection.ops.quote_name(table)}",
                    [table],
                )

    def analyze(self) -> float:
        """Refresh the planner's statistics of the loaded tables: without them PostgreSQL plans a month's
        two million item rows as if the table were empty (nested loops, minutes instead of seconds)."""
        began = time.perf_counter()
        with connection.cursor() as cursor:
            if self.is_postgres:
                for model in sorted(self.touched, key=lambda m: m._meta.db_table):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            else:
                cursor.execute("ANALYZE")
        return time.perf_counter() - began

    def report_lines(self) -> list[str]:
        lines = [f"{'table':<36}{'rows':>12}{'build s':>10}{'write s':>10}{'rows/s':>12}"]
        for table, timing in sorted(self.timings.items(), key=lambda item: -item[1].rows):
            total = timing.build_seconds + timing.write_seconds
            rate = timing.rows / total if total else 0.0
            lines.append(
                f"{table:<36}{timing.rows:>12,}{timing.build_seconds:>10.1f}{timing.write_seconds:>10.1f}{rate:>12,.0f}"
            )
        return lines


def local_midnight(day: dt.date) -> np.datetime64:
    return np.datetime64(day.isoformat(), "s")
