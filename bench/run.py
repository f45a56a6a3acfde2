#!/usr/bin/env python
"""Province-scale benchmark: grading and bonus split of one month, the bare SQL baseline, memory, 1 against
2 Celery workers, and page latency under 50 concurrent clients, all on one generated province.

    .venv/bin/python bench/run.py --halls 500 --months 2                                   # CI size
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hallq_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/run.py --halls 20000 --months 12

Steps, in one run on the same data:
 1. generation (``manage.py generate_province``; the last month generated is last calendar month);
 2. the months before the last are graded and published, untimed, so the statuses have their history;
 3. ``grade_month`` of the last month, timed, in a process of its own (bench/grade_once.py), which also
    reports that process's peak memory;
 4. grading's own inputs read bare, in this process: the query over the month's stored inspection totals
    that grading sends and one over the month's rows of the satisfaction aggregate; the ratio (the old
    baseline, one GROUP BY over the month's item rows, is printed beside it for information);
 5. with CELERY_BROKER_URL: the same month graded per city on 1 and on 2 Celery workers
    (bench/grading_workers.py), with a checksum over every result row of each configuration;
 6. the month is published, each marketing unit gets a pool, ``split_bonus`` is timed, and then, in the same
    run, a COPY of the unit, hall and staff rows it wrote (the same rows written again, rolled back): the
    ratio split ÷ COPY;
 7. the ranking page, a hall archive page and an inspection save (the full default tree, each POST on a
    draft of its own) under ``--clients`` concurrent clients from bench/loadtest.py, against gunicorn on
    loopback (``--server-workers`` processes × ``--server-threads`` threads, DEBUG off, database connections
    kept 60 s as in production), after the two floors on the same gunicorn settings: a bare Django view
    (bench/bare_wsgi.py) and the application's cheapest signed-in page (a run's progress JSON); the pages'
    throughput is printed as shares of the application's floor.

The database is DATABASE_URL, or by default a SQLite file of its own, var/bench.sqlite3 (rebuilt unless
--reuse), never the development database. A database given in DATABASE_URL must have no hall yet, or be
reused with --reuse: the bench never empties it. Each figure is printed with its target; a target missed
is printed as missed, and the exit status is 0 unless a step failed.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "bench.sqlite3"
DEV_SQLITE = ROOT / "var" / "db.sqlite3"
REASON = "性能测试"

TARGET_RATIO = 2
TARGET_MEMORY_MIB = 1024
TARGET_PAGE_P95_MS = 150
TARGET_SAVE_P95_MS = 100
# Throughput under saturation as shares of the floors measured in the same run (issue 22).
TARGET_FLOOR_OF_BARE = 0.4  # the application's cheapest authenticated page ÷ a bare Django view
TARGET_PAGE_OF_FLOOR = 0.5  # ranking and archive of a published month ÷ the application's floor
TARGET_SAVE_OF_FLOOR = 0.25  # an inspection save ÷ the application's floor
BARE_FLOOR_PATH = "/floor/"  # the one URL of bench/bare_wsgi.py (importing it here would configure Django again)
TARGET_SPLIT_SECONDS = 1.0
TARGET_SPLIT_HALLS = 20_000  # the split's target is judged from this size on


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--halls", type=int, default=500)
    parser.add_argument("--months", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the province already in the database")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per client and page (default 20)")
    parser.add_argument(
        "--floor-requests", type=int, default=100, help="requests per client for each floor (default 100)"
    )
    parser.add_argument("--max-seconds", type=float, default=180, help="deadline of each page's load run")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 5.0),
        metavar=("MIN", "MAX"),
        help="seconds a user reads a page before the next request (default 1 5); the saturation run has none",
    )
    parser.add_argument("--server-workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--worker-repeat", type=int, default=1, help="timed runs per worker configuration")
    parser.add_argument("--skip-load", action="store_true", help="no load test")
    parser.add_argument(
        "--figures",
        type=Path,
        help="where this run's grading figures are written as JSON (default var/bench-<halls>.json)",
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="JSON",
        help="the figures file of a run at another size: grade_month's time here against its time there, "
        "target ≤ halls here ÷ halls there (5 from 20,000 to 100,000 halls: no worse than linear)",
    )
    parser.add_argument(
        "--compare-seconds",
        type=float,
        metavar="S",
        help="instead of --compare-with: grade_month's best time at --compare-halls halls, measured elsewhere",
    )
    parser.add_argument("--compare-halls", type=int, default=20_000, help="halls of --compare-seconds (20000)")
    return parser.parse_args(argv)


def _say(text: str = "") -> None:
    print(text, flush=True)


def _verdict(value: float, target: float, unit: str = "") -> str:
    return f"target ≤ {target:g}{unit}: {'met' if value <= target else 'MISSED'}"


def _verdict_at_least(value: float, target: float) -> str:
    return f"target ≥ {target:g}: {'met' if value >= target else 'MISSED'}"


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
        _manage(env, "generate_province", f"--halls={args.halls}", f"--months={args.months}", f"--seed={args.seed}")
        _say(f"generation: {time.perf_counter() - began:.1f} s (command, including start-up)")

    months = _evidence_months()
    if not months:
        _say("no inspection in the database: nothing to grade")
        return 1
    month = months[-1]
    _history(months[:-1])
    _say(f"== month graded: {month:%Y-%m}")
    grading = _grading(env, month)
    inputs_seconds, inputs_first = _inputs(month)
    _item_rows_group_by(month)
    _say("== ratio")
    ratio = grading["seconds"] / inputs_seconds
    _say(
        f"ratio grading ÷ reading its inputs: {ratio:.2f} (best ÷ best; first runs: "
        f"{grading['first_seconds'] / inputs_first:.2f}) ({_verdict(ratio, TARGET_RATIO)})"
    )
    workers: dict = {}
    identical = _workers(month, repeat=args.worker_repeat, figures=workers)
    _scale(args, month=month, grading=grading, workers=workers)
    _bonus(month)
    ok = identical is not False
    if args.skip_load:
        _say("== load test: skipped (--skip-load)")
    else:
        ok = _load_test(args, env, month) and ok
    return 0 if ok else 1


def _evidence_months() -> list:
    from inspections.models import Inspection, InspectionState

    submitted = Inspection.objects.filter(state=InspectionState.SUBMITTED).order_by("month")
    return list(submitted.values_list("month", flat=True).distinct())


def _history(months: list) -> None:
    """Grade and publish the earlier months (untimed): statuses read two months back."""
    from scoring.models import GradingRun, RunState
    from scoring.services import grade_month, month_publish

    _say("== history")
    began = time.perf_counter()
    done = 0
    for month in months:
        if GradingRun.objects.filter(month=month, state=RunState.PUBLISHED, is_what_if=False).exists():
            continue
        grade_month(month=month, reason=REASON)
        month_publish(month=month)
        done += 1
    _say(f"{done} earlier month(s) graded and published in {time.perf_counter() - began:.1f} s (untimed)")


def _grading(env: dict[str, str], month) -> dict:
    _say("== grading")
    done = subprocess.run(
        [sys.executable, "bench/grade_once.py", f"{month:%Y-%m}", "--reason", REASON, "--repeat", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    _say(
        f"grade_month({month:%Y-%m}) end to end: {figures['seconds']:.2f} s (best of {figures['runs']} in one "
        f"process; first {figures['first_seconds']:.2f} s), {figures['queries']} queries, "
        f"{figures['results']:,} hall results (composite, grades, ranks, statuses)"
    )
    _say("== memory")
    peak = figures["peak_rss_mib"]
    _say(
        f"peak memory of the grading process: {peak:.0f} MiB (VmHWM) "
        f"({figures['rss_before_mib']:.0f} MiB before grading: Python, Django, pandas) "
        f"({_verdict(peak, TARGET_MEMORY_MIB, ' MiB')})"
    )
    return figures


# Every item row of the month's submitted inspections, summed per hall and per kind of evidence: the
# baseline of earlier runs, printed for information only (grading reads each inspection's stored totals).
ITEM_ROWS_SQL = """
SELECT i.hall_id,
       SUM(CASE WHEN i.kind = 'mystery' THEN it.points ELSE 0 END),
       SUM(CASE WHEN i.kind = 'mystery' AND NOT it.not_applicable THEN it.max_points ELSE 0 END),
       SUM(CASE WHEN i.kind <> 'mystery' THEN it.points ELSE 0 END),
       SUM(CASE WHEN i.kind <> 'mystery' AND NOT it.not_applicable THEN it.max_points ELSE 0 END)
  FROM inspections_inspectionitem it
  JOIN inspections_inspection i ON i.id = it.inspection_id
 WHERE i.month = %s AND i.state = 'submitted'
 GROUP BY i.hall_id
"""

# The month's rows of the per-hall satisfaction aggregate, customer surveys only, as grading reads them.
SATISFACTION_SQL = """
SELECT m.hall_id, m.survey_id, m.responses, m.overall_sum::float
  FROM surveys_satisfactionmonth m
  JOIN surveys_surveydefinition s ON s.id = m.survey_id
 WHERE m.month = %s AND s.kind = 'customer' AND m.responses > 0
"""


def _fetch(sql: str, params: list) -> tuple[float, int]:
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return time.perf_counter() - began, len(rows)


def _inputs(month) -> tuple[float, float]:
    """Grading's own inputs read bare and fetched into this process: the query over the month's stored
    inspection totals that grading sends (scoring.services.evidence.inspection_totals_query), then one over
    the month's rows of the satisfaction aggregate. Best of 3 of the pair, and the first."""
    from django.db import connection

    from scoring.services.evidence import inspection_totals_query

    _say("== grading's inputs")
    totals_sql, totals_params = inspection_totals_query(month=month).query.sql_with_params()
    satisfaction_sql = (
        SATISFACTION_SQL if connection.vendor == "postgresql" else SATISFACTION_SQL.replace("::float", "")
    )
    runs = []
    for _ in range(3):
        totals_seconds, totals_rows = _fetch(totals_sql, list(totals_params))
        satisfaction_seconds, satisfaction_rows = _fetch(satisfaction_sql, [month])
        runs.append((totals_seconds + satisfaction_seconds, totals_seconds, satisfaction_seconds))
    best = min(runs)
    _say(
        f"stored inspection totals of the month: {totals_rows:,} halls, {best[1]:.2f} s; satisfaction aggregate: "
        f"{satisfaction_rows:,} rows, {best[2]:.2f} s; together {best[0]:.2f} s (best of 3; first {runs[0][0]:.2f} s)"
    )
    return best[0], runs[0][0]


def _item_rows_group_by(month) -> None:
    """For information, not in the ratio: the old baseline, one GROUP BY over the month's item rows."""
    from django.db import connection

    seconds, halls = _fetch(ITEM_ROWS_SQL, [month])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM inspections_inspectionitem it JOIN inspections_inspection i"
            " ON i.id = it.inspection_id WHERE i.month = %s",
            [month],
        )
        items = cursor.fetchone()[0]
    _say(f"for information: GROUP BY over the month's {items:,} item rows: {halls:,} halls, {seconds:.2f} s (one run)")


def _workers(month, *, repeat: int, figures: dict) -> bool | None:
    from django.conf import settings

    _say("== workers")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _say("1 and 2 Celery workers: skipped: CELERY_BROKER_URL is not set (tasks run in-process)")
        return None
    from bench.grading_workers import compare

    return compare(month=month, repeat=repeat, reason=REASON, say=_say, figures=figures)


def _scale(args: argparse.Namespace, *, month, grading: dict, workers: dict) -> None:
    """Write this run's grading figures (JSON, for a run at another size to compare with) and, given a
    run at another size, print how grading's time grew against the number of halls."""
    from halls.models import Hall
    from scoring.services.evidence import cities_open

    _say("== scale")
    halls = Hall.objects.count()
    figures = {
        "halls": halls,
        "cities": len(cities_open(month=month)),
        "month": f"{month:%Y-%m}",
        "grade_month_seconds": grading["seconds"],
        "grade_month_first_seconds": grading["first_seconds"],
        "peak_rss_mib": grading["peak_rss_mib"],
        "workers": workers,
    }
    path = args.figures or ROOT / "var" / f"bench-{halls}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    _say(f"figures written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if args.compare_with:
        other = json.loads(args.compare_with.read_text())
        other_seconds, other_halls = other["grade_month_seconds"], other["halls"]
    elif args.compare_seconds:
        other_seconds, other_halls = args.compare_seconds, args.compare_halls
    else:
        _say("grade_month against another size: not compared (--compare-with or --compare-seconds)")
        return
    ratio = grading["seconds"] / other_seconds
    target = halls / other_halls
    _say(
        f"grade_month at {halls:,} halls ÷ at {other_halls:,} halls: {grading['seconds']:.2f} s ÷ "
        f"{other_seconds:.2f} s = {ratio:.2f} ({_verdict(ratio, target)}, the ratio of the hall counts)"
    )


def _bonus(month) -> None:
    from django.db.models import Count

    from halls.models import MarketingUnit
    from incentives.models import BonusPool, HallBonus, StaffBonus
    from incentives.services import bonus_pools_import, coefficients_default_load, split_bonus
    from scoring.services import month_publish

    _say("== bonus")
    coefficients_default_load()
    units = MarketingUnit.objects.annotate(halls_open=Count("halls")).filter(halls_open__gt=0)
    # ¥5,000.00 a hall, with odd cents, so that the largest-remainder rounding has work to do.
    bonus_pools_import(
        pools=[
            {"marketing_unit_id": unit.pk, "month": month, "amount": Decimal(5000 * unit.halls_open) + Decimal("0.37")}
            for unit in units
        ],
        batch_id=None,
        user_id=None,
    )
    began = time.perf_counter()
    month_publish(month=month)
    _say(f"month_publish({month:%Y-%m}), storing the archives' city figures: {time.perf_counter() - began:.2f} s")
    began = time.perf_counter()
    split = split_bonus(month=month, reason=REASON)
    seconds = time.perf_counter() - began
    pools = sum(BonusPool.objects.filter(month=month).values_list("amount", flat=True), Decimal(0))
    halls = HallBonus.objects.filter(split=split).count()
    staff = StaffBonus.objects.filter(split=split).count()
    _say(
        f"split_bonus({month:%Y-%m}): {seconds:.2f} s, {halls:,} hall shares, {staff:,} staff shares; "
        f"pools ¥{pools:,}, split ¥{split.pool_total:,} of which ¥{split.unit_unallocated:,} unallocated"
    )
    copy_seconds, rows = _split_rows_copy(split)
    target = (
        f"target: split ≤ {TARGET_SPLIT_SECONDS:g} s at {TARGET_SPLIT_HALLS:,} halls: "
        f"{'met' if seconds <= TARGET_SPLIT_SECONDS else 'MISSED'}"
        if halls >= TARGET_SPLIT_HALLS
        else f"target ≤ {TARGET_SPLIT_SECONDS:g} s judged from {TARGET_SPLIT_HALLS:,} halls on"
    )
    _say(
        f"split against a COPY of its rows ({rows:,} unit, hall and staff rows, {copy_seconds:.2f} s): "
        f"ratio {seconds / copy_seconds:.1f} ({target})"
    )


# The split's three tables, parents first.
SPLIT_TABLES = ("incentives_unitbonus", "incentives_hallbonus", "incentives_staffbonus")


def _split_rows_copy(split) -> tuple[float, int]:
    """Seconds to write ``split``'s own unit, hall and staff rows again, in a transaction rolled back: the rows
    are read out and deleted (untimed), then written back by COPY on PostgreSQL (executemany on SQLite) into
    the same tables, with their indexes, checks and foreign keys, the foreign keys checked at once (the split
    pays for them at its commit). Returns (seconds, rows)."""
    from django.db import connection, transaction

    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        saved, count = {}, 0
        for table in SPLIT_TABLES:
            if postgres:
                saved[table] = io.StringIO()
                query = f"SELECT * FROM {table} WHERE split_id = {int(split.pk)} ORDER BY id"
                cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT", saved[table])
                count += saved[table].getvalue().count("\n")
            else:
                cursor.execute(f"SELECT * FROM {table} WHERE split_id = %s ORDER BY id", [split.pk])
                saved[table] = cursor.fetchall()
                count += len(saved[table])
        for table in reversed(SPLIT_TABLES):
            cursor.execute(f"DELETE FROM {table} WHERE split_id = %s", [split.pk])
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        began = time.perf_counter()
        for table, rows in saved.items():
            if postgres:
                rows.seek(0)
                cursor.cursor.copy_expert(f"COPY {table} FROM STDIN", rows)
            elif rows:
                marks = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        seconds = time.perf_counter() - began
        transaction.set_rollback(True)
    return seconds, count


def _sessions() -> tuple[str, str]:
    """Session cookies of a bench HQ user and a bench district manager of every district, as the browser
    would hold them after logging in."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    from halls.models import DistrictCompany, Role, UserProfile

    cookies = []
    for username, role in (("bench-hq", Role.HQ), ("bench-dm", Role.DISTRICT_MANAGER)):
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"first_name": "基准"})
        if created:
            user.set_unusable_password()
            user.save()
        profile, _ = UserProfile.objects.get_or_create(user=user, defaults={"role": role})
        if role == Role.DISTRICT_MANAGER:
            profile.districts.set(DistrictCompany.objects.all())
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "halls.backends.ProfileModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies[0], cookies[1]


def _save_requests(*, count: int, cookie: str, seed: int) -> list:
    """``count`` draft remote checks dated now (in the month after the graded one, which is open), each with
    a POST that saves the whole default tree: every scored leaf at its maximum less half a point."""
    import random

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.middleware.csrf import get_token
    from django.test import RequestFactory
    from django.utils import timezone

    from bench.loadtest import LoadRequest
    from halls.models import Hall
    from inspections.models import IndicatorKind, InspectionKind
    from inspections.selectors import scheme_leaves
    from inspections.services.entry import entry_field, inspection_start

    user = get_user_model().objects.get(username="bench-dm")
    halls = list(Hall.objects.filter(is_active=True).order_by("pk"))
    rng = random.Random(seed)
    token = get_token(RequestFactory().get("/"))  # a CSRF secret: sent as the cookie and as the form field
    at = timezone.now() - timezone.timedelta(minutes=5)
    requests = []
    leaves_by_scheme: dict[int, list] = {}
    for _ in range(count):
        draft = inspection_start(user=user, hall=rng.choice(halls), kind=InspectionKind.REMOTE, inspected_at=at)
        leaves = leaves_by_scheme.setdefault(draft.scheme_id, scheme_leaves(scheme_id=draft.scheme_id))
        form = {"csrfmiddlewaretoken": token, "lock_version": draft.lock_version, "note": "基准测试"}
        for leaf in leaves:
            if leaf.kind == IndicatorKind.SCORED:
                form[entry_field("points", leaf.pk)] = str(max(leaf.points - Decimal("0.5"), Decimal(0)))
        requests.append(
            LoadRequest(
                path=f"/inspections/{draft.pk}/edit/",
                method="POST",
                body=urlencode(form).encode(),
                expect=302,
                cookie=f"{cookie}; {settings.CSRF_COOKIE_NAME}={token}",
            )
        )
    return requests


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


def _load_test(args: argparse.Namespace, env: dict[str, str], month) -> bool:
    import random

    from bench.loadtest import LoadRequest, load_run, once_picker, random_picker
    from halls.models import Hall

    _say(
        f"== load test ({args.clients} concurrent clients on loopback; gunicorn {args.server_workers} workers × "
        f"{args.server_threads} threads; database connections kept "
        f"{_server_environment(env)['DATABASE_CONN_MAX_AGE']} s; "
        f"cache {env.get('CACHE_URL') or 'in each process (CACHE_URL unset)'})"
    )
    hq_cookie, dm_cookie = _sessions()
    rng = random.Random(args.seed)
    hall_ids = list(Hall.objects.values_list("pk", flat=True))
    label = f"{month:%Y-%m}"
    pages = {
        "ranking": [
            LoadRequest(path=f"/scoring/rankings/?month={label}&page={rng.randint(1, 5)}", cookie=hq_cookie)
            for _ in range(50)
        ],
        "archive": [LoadRequest(path=f"/halls/{rng.choice(hall_ids)}/", cookie=hq_cookie) for _ in range(200)],
    }
    # The server's warm-up (each process's first requests load templates, translations and connections) asks
    # for other pages than the ones measured, so that no page measured is in the cache before it is asked for.
    measured_halls = {request.path for request in pages["archive"]}
    other_halls = [f"/halls/{pk}/" for pk in hall_ids if f"/halls/{pk}/" not in measured_halls]
    warm_pages = {
        "ranking": [
            LoadRequest(path=f"/scoring/rankings/?month={label}&page={page}", cookie=hq_cookie) for page in range(6, 11)
        ],
        "archive": [
            LoadRequest(path=path, cookie=hq_cookie)
            # A province too small to spare a hall (the tests' 30) warms up on the measured ones.
            for path in (rng.sample(other_halls, min(100, len(other_halls))) or sorted(measured_halls))
        ],
    }
    warm_clients = args.server_workers * args.server_threads
    # Two load runs per page: users who read each page for a while, then clients sending back to back.
    modes = [
        (f"users (pause {args.think[0]:g}–{args.think[1]:g} s)", tuple(args.think)),
        ("saturation (no pause)", None),
    ]
    saves = {
        mode: _save_requests(count=args.clients * args.requests, cookie=dm_cookie, seed=args.seed + number)
        for number, (mode, _think) in enumerate(modes)
    }
    warm_pages["inspection save"] = _save_requests(count=warm_clients * 3, cookie=dm_cookie, seed=args.seed + 99)
    # The floors first, each on a server of its own with the same settings: bare Django, then the application.
    bare_floor = _floor_bare(args, env)
    server, port, log = _start_server(args, _server_environment(env), "config.wsgi", "bench-gunicorn.log")
    ok = not bare_floor.errors
    targets = [
        ("ranking", "/scoring/rankings/?month=…", lambda _mode: random_picker(pages["ranking"]), TARGET_PAGE_P95_MS),
        ("archive", "/halls/{hall}/", lambda _mode: random_picker(pages["archive"]), TARGET_PAGE_P95_MS),
        (
            "inspection save",
            "POST /inspections/{draft}/edit/",
            lambda mode: once_picker(saves[mode]),
            TARGET_SAVE_P95_MS,
        ),
    ]
    headers = {"Accept-Language": "zh-hans"}
    saturation: dict[str, float] = {}
    try:
        _wait_until_ready(port, server, workers=args.server_workers)
        app_floor = _floor_application(args, port=port, month=month, cookie=hq_cookie, headers=headers)
        ok = ok and not app_floor.errors
        floor_ratio = app_floor.per_second / bare_floor.per_second if bare_floor.per_second else 0.0
        _say(
            f"ratio application floor ÷ bare floor: {floor_ratio:.2f} "
            f"({_verdict_at_least(floor_ratio, TARGET_FLOOR_OF_BARE)})"
        )
        for name, shown, picker, target in targets:
            # Warm-up, not measured: three requests from as many clients as the server has threads.
            warm = warm_pages[name]
            load_run(
                host="127.0.0.1",
                port=port,
                pick=once_picker(warm) if name == "inspection save" else random_picker(warm),
                headers=headers,
                clients=warm_clients,
                requests_per_client=3,
                deadline_seconds=60,
            )
            for mode, think in modes:
                result = load_run(
                    host="127.0.0.1",
                    port=port,
                    pick=picker(mode),
                    headers=headers,
                    clients=args.clients,
                    requests_per_client=args.requests,
                    deadline_seconds=args.max_seconds,
                    seed=args.seed,
                    think=think,
                )
                ok = ok and not result.errors and bool(result.latencies_ms)
                if think is None:
                    saturation[name] = result.per_second
                _say(
                    f"{name} {shown}, {mode}: {len(result.latencies_ms):,} requests in {result.seconds:.1f} s "
                    f"({result.per_second:.0f}/s), median {result.median:.0f} ms, p95 {result.p95:.0f} ms "
                    f"({_verdict(result.p95, target, ' ms')}), errors {len(result.errors)}"
                    + (f" (first: {result.errors[0]})" if result.errors else "")
                    + f"; load generator's own CPU {result.client_cpu_seconds:.1f} s"
                )
        _say("== throughput against the application's floor (saturation, same run)")
        for name, target in (
            ("ranking", TARGET_PAGE_OF_FLOOR),
            ("archive", TARGET_PAGE_OF_FLOOR),
            ("inspection save", TARGET_SAVE_OF_FLOOR),
        ):
            share = saturation[name] / app_floor.per_second if app_floor.per_second else 0.0
            _say(
                f"{name} ÷ application floor: {saturation[name]:.0f}/s ÷ {app_floor.per_second:.0f}/s = {share:.2f} "
                f"({_verdict_at_least(share, target)})"
            )
    finally:
        _stop_server(server, log)
    return ok


def _server_environment(env: dict[str, str]) -> dict[str, str]:
    """The application's server as production runs it: database connections kept 60 s between requests
    (config/settings/production.py) unless DATABASE_CONN_MAX_AGE says otherwise; the bench's own settings
    (config.settings.local) close them after each request, which made the floor a floor of PostgreSQL's
    connection start-up."""
    return {**env, "DATABASE_CONN_MAX_AGE": env.get("DATABASE_CONN_MAX_AGE", "60")}


def _start_server(args: argparse.Namespace, env: dict[str, str], module: str, log_name: str):
    port = _free_port()
    log = open(ROOT / "var" / log_name, "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", module, "-b", f"127.0.0.1:{port}", "-k", "gthread"]
        + ["-w", str(args.server_workers), "--threads", str(args.server_threads), "--timeout", "120"]
        # A browser keeps its connection while its user reads the page; gunicorn's 2 s default would close
        # it under every pause and turn the next request into a reset (as a proxy's 75 s keep-alive would not).
        + ["--keep-alive", str(math.ceil(args.think[1]) + 5)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return server, port, log


def _stop_server(server: subprocess.Popen, log) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    log.close()


def _worker_cpu_seconds(parent: int) -> tuple[int, float]:
    """How many child processes ``parent`` has, and the CPU seconds they used (Linux /proc)."""
    count, ticks = 0, 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            count += 1
            ticks += int(fields[11]) + int(fields[12])
    return count, ticks / os.sysconf("SC_CLK_TCK")


def _wait_until_ready(port: int, server: subprocess.Popen, *, workers: int, seconds: float = 180) -> None:
    """Until every worker has loaded the application (config/wsgi.py warms it up for seconds): a client's
    keep-alive connection stays with the worker that accepted it, so connections opened while some workers
    still boot would pile onto the others. Ready: all workers there and together idle for a second."""
    _wait_for(port, server)
    if not Path("/proc/self/stat").exists():
        time.sleep(10)
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count, before = _worker_cpu_seconds(server.pid)
        time.sleep(1)
        count_after, after = _worker_cpu_seconds(server.pid)
        if count >= workers and count_after >= workers and after - before < 0.1:
            return
    raise RuntimeError(f"the server's {workers} workers were not idle within {seconds:.0f} s")


def _floor_run(args: argparse.Namespace, *, port: int, request, headers: dict[str, str]):
    from bench.loadtest import load_run, random_picker

    pick = random_picker([request])
    # Warm-up, not measured: three requests from as many clients as the server has threads.
    load_run(
        host="127.0.0.1",
        port=port,
        pick=pick,
        headers=headers,
        clients=args.server_workers * args.server_threads,
        requests_per_client=3,
        deadline_seconds=60,
    )
    return load_run(
        host="127.0.0.1",
        port=port,
        pick=pick,
        headers=headers,
        clients=args.clients,
        requests_per_client=args.floor_requests,
        deadline_seconds=args.max_seconds,
        seed=args.seed,
    )


def _say_floor(name: str, result) -> None:
    _say(
        f"{name}, saturation (no pause): {len(result.latencies_ms):,} requests in {result.seconds:.1f} s "
        f"({result.per_second:.0f}/s), median {result.median:.1f} ms, p95 {result.p95:.1f} ms, "
        f"errors {len(result.errors)}"
        + (f" (first: {result.errors[0]})" if result.errors else "")
        + f"; load generator's own CPU {result.client_cpu_seconds:.1f} s"
    )


def _floor_bare(args: argparse.Namespace, env: dict[str, str]):
    """A bare Django view (bench/bare_wsgi.py: no middleware, no database, JSON) on the same gunicorn."""
    from bench.loadtest import LoadRequest

    bare_env = {key: value for key, value in env.items() if key != "DJANGO_SETTINGS_MODULE"}
    server, port, log = _start_server(args, bare_env, "bench.bare_wsgi", "bench-gunicorn-bare.log")
    try:
        _wait_until_ready(port, server, workers=args.server_workers)
        result = _floor_run(args, port=port, request=LoadRequest(path=BARE_FLOOR_PATH), headers={})
    finally:
        _stop_server(server, log)
    _say_floor(f"bare floor: a bare Django view {BARE_FLOOR_PATH} (no middleware, JSON)", result)
    return result


def _floor_application(args: argparse.Namespace, *, port: int, month, cookie: str, headers: dict[str, str]):
    """The application's cheapest signed-in page: the month's run's progress JSON, as HQ's page polls it,
    through the whole middleware stack (session, CSRF, user and profile, language, CSP, audit, axes)."""
    from bench.loadtest import LoadRequest
    from scoring.models import GradingRun

    run = GradingRun.objects.filter(month=month, is_what_if=False).order_by("-pk").first()
    request = LoadRequest(path=f"/scoring/grading/runs/{run.pk}/progress/", cookie=cookie)
    result = _floor_run(args, port=port, request=request, headers=headers)
    _say_floor("application floor: a grading run's progress JSON /scoring/grading/runs/{run}/progress/ (HQ)", result)
    return result


if __name__ == "__main__":
    sys.exit(main())
