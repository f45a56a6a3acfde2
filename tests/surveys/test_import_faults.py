"""Faults in the middle of an import: the database connection lost inside the insert imports nothing, the
batch says so, and importing the same file again afterwards works."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from inspections.models import Inspection, InspectionItem, Rectification
from surveys.imports.kinds import visits
from surveys.models import ImportBatch, ImportKind, ImportState
from surveys.services.imports import DATABASE_LOST_MESSAGE
from surveys.tasks import CRASH_MESSAGE
from tests.surveys.files import csv_bytes
from tests.surveys.test_visit_import import HEADER, visit_row

VISITS = 300


@pytest.fixture
def setup(world, small_scheme, policy):
    return world


def visits_file(world) -> tuple[bytes, list[str]]:
    """300 visits over the four halls; every tenth loses points on A1.1, so rectifications open too."""
    halls = [world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2]
    ids = [f"MV-{number:04d}" for number in range(VISITS)]
    rows = [HEADER] + [
        visit_row(
            halls[number % 4].code,
            visit_id,
            when=f"2026-03-{number % 28 + 1:02d} 10:30",
            **({"A1.1": "20"} if number % 10 == 0 else {}),
        )
        for number, visit_id in enumerate(ids)
    ]
    return csv_bytes(rows), ids


def backend_terminate(pid: int) -> None:
    """From a second connection, end the server process behind ``pid`` and wait until it is gone."""
    import psycopg2

    s = connection.settings_dict
    other = psycopg2.connect(
        dbname=s["NAME"],
        user=s.get("USER") or "postgres",
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or 5432,
    )
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone() == (0,):
                    return
                time.sleep(0.05)
        raise AssertionError(f"backend {pid} still alive 10 s after pg_terminate_backend")
    finally:
        other.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_connection_lost_inside_an_import_imports_nothing_and_the_same_file_imports_again(
    setup, run_import, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no server backend another connection could terminate")
    data, ids = visits_file(setup)
    real_rows_insert = visits.rows_insert
    seen: dict[str, int] = {}

    def rows_insert_then_lose_the_connection(model, columns, rows):
        """Insert the first half of the inspections, kill this connection's backend, then send the rest."""
        if model is not Inspection or seen:
            return real_rows_insert(model, columns, rows)
        rows = list(rows)
        real_rows_insert(model, columns, rows[: len(rows) // 2])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            seen["pid"] = cursor.fetchone()[0]
            assert connection.in_atomic_block  # the import's own transaction, not autocommit
            seen["inserted_before_the_kill"] = Inspection.objects.filter(external_id__in=ids).count()
        backend_terminate(seen["pid"])
        return real_rows_insert(model, columns, rows[len(rows) // 2 :])  # fails: the server is gone

    monkeypatch.setattr(visits, "rows_insert", rows_insert_then_lose_the_connection)
    batch = run_import(ImportKind.MYSTERY_VISITS, "visits.csv", data)

    assert seen["inserted_before_the_kill"] == VISITS // 2  # the kill came in the middle of the insert
    # Nothing of the file is in the database: the half inserted before the kill was rolled back with it.
    assert not Inspection.objects.filter(external_id__in=ids).exists()
    assert not Inspection.objects.filter(import_batch_id=batch.pk).exists()
    assert not InspectionItem.objects.exists()
    assert not Rectification.objects.exists()
    # The failure is recorded (on a fresh connection: the one the import used is dead).
    assert batch.state == ImportState.FAILED
    assert batch.message == DATABASE_LOST_MESSAGE
    assert (batch.rows_total, batch.rows_created) == (VISITS, 0)
    assert batch.finished_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != seen["pid"]

    monkeypatch.undo()
    again = run_import(ImportKind.MYSTERY_VISITS, "visits.csv", data)

    assert again.state == ImportState.SUCCEEDED, (again.message, again.errors)
    assert (again.rows_total, again.rows_created, again.rows_skipped) == (VISITS, VISITS, 0)
    assert Inspection.objects.filter(external_id__in=ids, import_batch_id=again.pk).count() == VISITS
    # Five scored items per visit (B1.2 scored too; no deduction, bonus or veto row).
    assert InspectionItem.objects.filter(inspection__import_batch_id=again.pk).count() == VISITS * 5
    # Every tenth visit lost points on A1.1: one rectification each.
    assert Rectification.objects.filter(inspection__import_batch_id=again.pk).count() == VISITS // 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_connection_lost_while_validating_still_records_the_failed_import(setup, run_import, monkeypatch):
    from django.db import OperationalError

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no server backend another connection could terminate")
    data, ids = visits_file(setup)
    real_existing_keys = visits.VisitImporter.existing_keys
    pids: list[int] = []

    def lose_the_connection_then_look_up_keys(self, keys):
        """The check against the database, outside any transaction: its connection dies first."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.append(cursor.fetchone()[0])
        backend_terminate(pids[0])
        return real_existing_keys(self, keys)

    monkeypatch.setattr(visits.VisitImporter, "existing_keys", lose_the_connection_then_look_up_keys)
    with pytest.raises(OperationalError):  # the task crashes (and the worker would log it) …
        run_import(ImportKind.MYSTERY_VISITS, "visits.csv", data)

    # … but first records the failure on a fresh connection, so the page does not show "running" forever.
    batch = ImportBatch.objects.get()
    assert batch.state == ImportState.FAILED
    assert batch.message == CRASH_MESSAGE
    assert not Inspection.objects.filter(external_id__in=ids).exists()
