#!/usr/bin/env python
"""Province-scale benchmark: grading and bonus split of one month, the bare SQL baseline, memory, and page
latency under 50 concurrent clients, all on one generated province.

    /work/main/.venv/bin/python bench/run.py --halls 500 --months 2            # CI size
    /work/main/.venv/bin/python bench/run.py --halls 20000 --months 12         # full size
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hallq_bench bench/run.py --reuse \\
        --ranking-url '/scoring/ranking/?month={month}' --archive-url '/halls/{hall}/'

The database is DATABASE_URL, or by default a SQLite file of its own, var/bench.sqlite3 (rebuilt unless
--reuse), never the development database. A database given in DATABASE_URL must have no hall yet, or be
reused with --reuse: the bench never empties it.
URL options may hold {hall} (a random hall id each request) and {month} (the graded month, YYYY-MM).
The load test serves the app with ``manage.py runserver --noreload`` (threaded, DEBUG off).
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "bench.sqlite3"
DEV_SQLITE = ROOT / "var" / "db.sqlite3"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--halls", type=int, default=500)
    parser.add_argument("--months", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", default="2026-01", help="first generated month, YYYY-MM (default 2026-01)")
    parser.add_argument("--reuse", action="store_true", help="keep the province already in the database")
    parser.add_argument("--ranking-url", default="", help="ranking page path, e.g. /scoring/ranking/?month={month}")
    parser.add_argument("--archive-url", default="", help="hall archive page path, e.g. /halls/{hall}/")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per client and URL (default 20)")
    parser.add_argument("--max-seconds", type=float, default=120, help="deadline of each URL's load run")
    return parser.parse_args(argv)


def _say(text: str = "") -> None:
    print(text, flush=True)


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _prepare_environment(args: argparse.Namespace) -> dict[str, str]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    if url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).resolve() == DEV_SQLITE.resolve():
        sys.exit("bench/run.py never runs on the development database var/db.sqlite3: unset DATABASE_URL")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    if not os.environ.get("DATABASE_URL") and not args.reuse:
        # The bench's own file is rebuilt; a database given in DATABASE_URL is never emptied by the bench.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEFAULT_SQLITE}{suffix}").unlink(missing_ok=True)
    return env


def _manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    env = _prepare_environment(args)
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG")})
    _say(f"== database: {env['DATABASE_URL'].split('@')[-1]}")
    _manage(env, "migrate", "--noinput", "-v0")

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from halls.models import Hall

    _say("== generation")
    if args.reuse and Hall.objects.exists():
        _say(f"reused: {Hall.objects.count():,} halls already in the database")
    elif Hall.objects.exists():
        sys.exit("the database already holds halls: pass --reuse, or point DATABASE_URL at an empty database")
    else:
        began = time.perf_counter()
        _manage(
            env,
            "generate_province",
            f"--halls={args.halls}",
            f"--months={args.months}",
            f"--seed={args.seed}",
            f"--start={args.start}",
        )
        _say(f"generation: {time.perf_counter() - began:.1f} s (command, including start-up)")

    month = _last_month()
    if month is None:
        _say("no inspection in the database: nothing to grade")
        return 1
    _say(f"== month graded: {month:%Y-%m}")
    grading_seconds = _grading(month)
    baseline_seconds = _baseline(month)
    _say("== ratio")
    if grading_seconds is None:
        _say("ratio grading ÷ baseline: not available (no grading on this branch)")
    else:
        _say(f"ratio grading ÷ baseline: {grading_seconds / baseline_seconds:.2f} (target ≤ 1.5)")
    _bonus(month)
    _load_test(args, env, month)
    return 0


def _last_month():
    from django.db.models import Max

    from inspections.models import Inspection

    return Inspection.objects.aggregate(month=Max("month"))["month"]


def _grading(month) -> float | None:
    _say("== grading")
    try:
        from scoring.services import grade_month
    except ImportError:
        _say("grading: not available on this branch (scoring.services.grade_month)")
        _say("== memory")
        _say(f"peak memory: not measured (no grading); ru_maxrss of this process {_maxrss_mib():.0f} MiB")
        return None
    rss_before = _maxrss_mib()
    began = time.perf_counter()
    try:
        grade_month(month=month)
    except Exception as error:  # a benchmark reports a failing step and goes on to the next
        _say(f"grading failed: {type(error).__name__}: {error}")
        return None
    seconds = time.perf_counter() - began
    rss_after = _maxrss_mib()
    _say(f"grade_month({month:%Y-%m}) end to end: {seconds:.2f} s")
    _say("== memory")
    _say(f"ru_maxrss: {rss_before:.0f} MiB before grading, {rss_after:.0f} MiB after (process high-water mark)")
    # tracemalloc slows Python down, so the peak is taken on a second, what-if run, not the timed one.
    tracemalloc.start()
    try:
        grade_month(month=month, what_if=True)
        _current, peak = tracemalloc.get_traced_memory()
        _say(f"tracemalloc peak of a what-if grading: {peak / 2**20:.0f} MiB (target ≤ 1024 MiB)")
    except Exception as error:
        _say(f"tracemalloc pass failed: {type(error).__name__}: {error}")
    finally:
        tracemalloc.stop()
    return seconds


BASELINE_SQL = """
SELECT i.hall_id,
       SUM(CASE WHEN i.kind = 'mystery' THEN it.points ELSE 0 END),
       SUM(CASE WHEN i.kind = 'mystery' AND NOT it.not_applicable THEN it.max_points ELSE 0 END),
       SUM(CASE WHEN i.kind <> 'mystery' THEN it.points ELSE 0 END),
       SUM(CASE WHEN i.kind <> 'mystery' AND NOT it.not_applicable THEN it.max_points ELSE 0 END)
  FROM inspections_inspectionitem it
  JOIN inspections_inspection i ON i.id = it.inspection_id
 WHERE i.month = %s AND i.state = 'submitted'
   AND it.indicator_id IN (SELECT id FROM inspections_indicator WHERE kind = 'scored')
 GROUP BY i.hall_id
"""


def _baseline(month) -> float:
    """The bare baseline: one GROUP BY over the month's item rows joined to their inspection, per-hall
    awarded and applicable sums for mystery visits and on-site checks, fetched into this process."""
    from django.db import connection

    _say("== baseline")
    runs = []
    for _ in range(3):
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [month])
            rows = cursor.fetchall()
        runs.append(time.perf_counter() - began)
    _say(f"GROUP BY over the month's items: {len(rows):,} halls, {min(runs):.2f} s (best of 3; first {runs[0]:.2f} s)")
    return min(runs)


def _bonus(month) -> None:
    _say("== bonus")
    try:
        from incentives.services import split_bonus
    except ImportError:
        _say("bonus split: not available on this branch (incentives.services.split_bonus)")
        return
    began = time.perf_counter()
    try:
        split_bonus(month=month)
    except Exception as error:
        _say(f"bonus split failed: {type(error).__name__}: {error}")
        return
    _say(f"split_bonus({month:%Y-%m}): {time.perf_counter() - began:.2f} s")


def _bench_session_cookie() -> str:
    """A session for a bench HQ user, as the browser would hold it after logging in."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    from halls.models import Role, UserProfile

    user, created = get_user_model().objects.get_or_create(username="bench-hq", defaults={"first_name": "基准测试"})
    if created:
        user.set_unusable_password()
        user.save()
    UserProfile.objects.get_or_create(user=user, defaults={"role": Role.HQ})
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped with code {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not listen on port {port} within {seconds:.0f} s")


def _load_test(args: argparse.Namespace, env: dict[str, str], month) -> None:
    import random

    from bench.loadtest import load_run, path_of
    from halls.models import Hall

    _say(f"== load test ({args.clients} concurrent clients, loopback, manage.py runserver --noreload)")
    targets = [("ranking", args.ranking_url), ("archive", args.archive_url)]
    if not any(url for _name, url in targets):
        for name, _url in targets:
            _say(f"{name}: skipped: URL not given (--{name}-url)")
        _say("inspection save: skipped: not in this benchmark yet")
        return
    cookie = _bench_session_cookie()
    hall_ids = list(Hall.objects.values_list("pk", flat=True))
    rng = random.Random(args.seed)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, server)
        for name, url in targets:
            if not url:
                _say(f"{name}: skipped: URL not given (--{name}-url)")
                continue
            template = path_of(url)
            paths = [
                template.replace("{hall}", str(rng.choice(hall_ids))).replace("{month}", f"{month:%Y-%m}")
                for _ in range(200)
            ]
            load_run(
                host="127.0.0.1",
                port=port,
                paths=paths[:1],
                cookie=cookie,
                clients=1,
                requests_per_client=2,
                deadline_seconds=60,
            )  # warm-up: imports, template loading
            result = load_run(
                host="127.0.0.1",
                port=port,
                paths=paths,
                cookie=cookie,
                clients=args.clients,
                requests_per_client=args.requests,
                deadline_seconds=args.max_seconds,
                seed=args.seed,
            )
            _say(
                f"{name} {template}: {len(result.latencies_ms):,} requests in {result.seconds:.1f} s, "
                f"median {result.median:.0f} ms, p95 {result.p95:.0f} ms, errors {len(result.errors)}"
                + (f" (first: {result.errors[0]})" if result.errors else "")
            )
        _say("inspection save: skipped: not in this benchmark yet")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
