"""bench/run.py runs end to end at a tiny size and prints every section; it never touches the dev database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.loadtest import path_of

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path, *arguments: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL")}
    env["DATABASE_URL"] = database_url or f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    return subprocess.run(
        [sys.executable, "bench/run.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_bench_runs_at_a_tiny_size_and_prints_every_section(tmp_path):
    done = _run(
        tmp_path,
        "--halls",
        "30",
        "--months",
        "1",
        "--archive-url",
        "/halls/{hall}/",
        "--clients",
        "5",
        "--requests",
        "3",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "generated 30 halls × 1 months" in out
    for section in ("== generation", "== grading", "== memory", "== baseline", "== ratio", "== bonus", "== load test"):
        assert section in out
    assert "GROUP BY over the month's items: 30 halls" in out
    assert "ranking: skipped: URL not given" in out
    assert "archive /halls/{hall}/: 15 requests" in out
    assert "errors 0" in out


def test_bench_reuses_the_province_it_finds(tmp_path):
    first = _run(tmp_path, "--halls", "8", "--months", "1")
    assert first.returncode == 0, first.stderr[-3000:]
    again = _run(tmp_path, "--halls", "8", "--months", "1", "--reuse")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "reused: 8 halls already in the database" in again.stdout
    assert "archive: skipped: URL not given" in again.stdout


def test_bench_refuses_the_development_database(tmp_path):
    done = _run(tmp_path, database_url=f"sqlite:///{ROOT / 'var' / 'db.sqlite3'}")
    assert done.returncode != 0
    assert "never runs on the development database" in done.stderr


def test_load_generator_only_targets_loopback():
    assert path_of("/halls/1/?month=2026-01") == "/halls/1/?month=2026-01"
    assert path_of("http://127.0.0.1:8000/halls/") == "/halls/"
    with pytest.raises(ValueError, match="loopback"):
        path_of("http://10.1.2.3/halls/")


def test_bench_without_reuse_refuses_a_database_that_already_holds_halls(tmp_path):
    first = _run(tmp_path, "--halls", "4", "--months", "1")
    assert first.returncode == 0, first.stderr[-3000:]
    again = _run(tmp_path, "--halls", "4", "--months", "1")
    assert again.returncode != 0
    assert "already holds halls: pass --reuse" in again.stderr
