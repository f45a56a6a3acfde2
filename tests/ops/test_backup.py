"""The README's backup and restore recipes work: pg_dump/pg_restore, and SQLite's online backup."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import pytest
from django.db import connection

from halls.models import Hall


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_bring_back_every_row(world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump needs PostgreSQL (the second pass of .ci/run)")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    s = connection.settings_dict
    source = f"postgres://{s.get('USER') or 'postgres'}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}"
    restored = f"{s['NAME']}_restore"
    dump = tmp_path / "hallq.dump"

    def run(*args: str) -> None:
        out = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr

    run("pg_dump", "--format=custom", "--no-owner", f"--dbname={source}/{s['NAME']}", f"--file={dump}")
    run("dropdb", "--if-exists", f"--maintenance-db={source}/postgres", restored)
    run("createdb", f"--maintenance-db={source}/postgres", restored)
    try:
        run("pg_restore", "--no-owner", f"--dbname={source}/{restored}", str(dump))
        import psycopg2

        with psycopg2.connect(f"{source}/{restored}") as conn, conn.cursor() as cursor:
            cursor.execute(f"SELECT code FROM {Hall._meta.db_table} ORDER BY code")
            codes = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT count(*) FROM django_migrations")
            migrations = cursor.fetchone()[0]
        conn.close()
    finally:
        run("dropdb", "--if-exists", f"--maintenance-db={source}/postgres", restored)
    assert codes == sorted(Hall.objects.values_list("code", flat=True))
    assert len(codes) == 4
    assert migrations > 0


def test_the_sqlite_online_backup_includes_writes_still_in_the_wal(tmp_path):
    live = tmp_path / "db.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    app = sqlite3.connect(live)
    app.execute("PRAGMA journal_mode=WAL")
    app.execute("PRAGMA wal_autocheckpoint=0")  # keep every write in the -wal file, as a busy app does
    app.execute("CREATE TABLE hall (code TEXT)")
    app.executemany("INSERT INTO hall VALUES (?)", [(f"H{i:05d}",) for i in range(500)])
    app.commit()
    assert (tmp_path / "db.sqlite3-wal").stat().st_size > 0
    # The README's command, run while the app still holds its connection.
    recipe = "import sqlite3,sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", recipe, str(live), str(backup)], check=True, timeout=60)
    app.close()
    assert sqlite3.connect(backup).execute("SELECT count(*) FROM hall").fetchone() == (500,)
