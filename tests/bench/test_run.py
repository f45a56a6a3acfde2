"""bench/run.py runs end to end at a tiny size and prints every section; it never touches the dev database."""

from __future__ import annotations

import json
import os
import re
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
        *("--halls", "30", "--months", "2", "--clients", "4", "--requests", "3", "--server-workers", "2"),
        *("--think", "0.05", "0.2"),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "generated 30 halls × 2 months" in out
    for section in (
        "== generation",
        "== history",
        "== grading",
        "== memory",
        "== grading's inputs",
        "== ratio",
        "== workers",
        "== bonus",
        "== load test",
    ):
        assert section in out
    assert "1 earlier month(s) graded and published" in out
    assert "30 hall results" in out
    assert "stored inspection totals of the month: 30 halls" in out and "satisfaction aggregate: 30 rows" in out
    assert "ratio grading ÷ reading its inputs:" in out
    assert "GROUP BY over the month's" in out and "item rows: 30 halls" in out
    assert "peak memory of the grading process:" in out
    assert "skipped: CELERY_BROKER_URL is not set" in out  # the bench's child processes run tasks eagerly
    # The pools are ¥5,000 a hall plus 37 cents a unit, and the split hands out exactly what the pools hold.
    pools = re.search(r"pools ¥([\d,.]+), split ¥([\d,.]+)", out)
    assert pools and pools.group(1) == pools.group(2)
    for page in ("ranking /scoring/rankings/", "archive /halls/{hall}/", "inspection save POST"):
        for mode in ("users (pause 0.05–0.2 s)", "saturation (no pause)"):
            line = re.escape(page) + r"[^\n]*, " + re.escape(mode) + r": 12 requests in [^\n]* errors 0; load generator"
            assert re.search(line, out), out[-2000:]


def test_bench_reuses_the_province_it_finds_and_compares_grading_with_an_earlier_run(tmp_path):
    figures = tmp_path / "first.json"
    first = _run(tmp_path, "--halls", "8", "--months", "1", "--skip-load", "--figures", str(figures))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    written = json.loads(figures.read_text())
    assert written["halls"] == 8 and written["grade_month_seconds"] > 0 and written["peak_rss_mib"] > 0
    assert "not compared (--compare-with or --compare-seconds)" in first.stdout
    # The earlier run as if it had graded half the halls in a quarter of the time: grading here took 4 times
    # as long for twice the halls, worse than linear, so the target (≤ 2) is missed.
    figures.write_text(json.dumps({**written, "halls": 4, "grade_month_seconds": written["grade_month_seconds"] / 4}))
    again = _run(tmp_path, "--halls", "8", "--months", "1", "--reuse", "--skip-load", "--compare-with", str(figures))
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "reused: 8 halls already in the database" in again.stdout
    assert "== load test: skipped (--skip-load)" in again.stdout
    # The split is timed against writing its own rows again, in the same run; its 1 s target is judged at
    # 20,000 halls only.
    copy = r"split against a COPY of its rows \(([\d,]+) unit, hall and staff rows, [\d.]+ s\): ratio [\d.]+ "
    found = re.search(copy + r"\(target ≤ 1 s judged from 20,000 halls on\)", again.stdout)
    assert found and int(found.group(1).replace(",", "")) > 8, again.stdout[-2000:]
    pattern = r"grade_month at 8 halls ÷ at 4 halls: [\d.]+ s ÷ [\d.]+ s = ([\d.]+) \(target ≤ 2: (\w+)"
    line = re.search(pattern, again.stdout)
    assert line, again.stdout[-2000:]
    assert (float(line.group(1)) > 2) == (line.group(2) == "MISSED")


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
    first = _run(tmp_path, "--halls", "4", "--months", "1", "--skip-load")
    assert first.returncode == 0, first.stderr[-3000:]
    again = _run(tmp_path, "--halls", "4", "--months", "1")
    assert again.returncode != 0
    assert "already holds halls: pass --reuse" in again.stderr
