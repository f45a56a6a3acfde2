"""Grading one month: single process vs one city chunk per task on 1 and on 2 Celery workers.

Usage (the database in DATABASE_URL must hold a month with evidence; the broker in CELERY_BROKER_URL
must be Redis, which also serves as the chord's result backend):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hallq CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/grading_workers.py --month 2026-10 --repeat 3

Each configuration grades the month ``--repeat`` times (after one untimed warm-up run); the script prints
the best and median wall time of each and a SHA-256 over every result row of each configuration's last
run, and says whether they are identical. The workers (``-c 1`` each, on a queue of their own) are started
and stopped by the script. The month's draft revision is regraded in place; a published month gets a new
draft revision (reason given by ``--reason``), as ``grade_month`` would.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


@contextmanager
def worker(queue: str, index: int):
    """One ``celery worker`` process with one pool process, consuming ``queue``."""
    env = dict(os.environ, DJANGO_DEBUG="false")
    log = open(ROOT / "var" / f"bench-worker-{queue}-{index}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1", "-P", "prefork"]
        + ["-n", f"{queue}-{index}@%h", "--without-gossip", "--without-mingle", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def wait_ready(app, names: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=names, timeout=1.0) or []
        if len(replies) == len(names):
            return
    raise SystemExit(f"workers {names} did not answer within {timeout}s")


def checksum(run) -> str:
    from scoring.models import HallMonthResult

    fields = [f.name for f in HallMonthResult._meta.fields if f.name not in ("id", "run")]
    digest = hashlib.sha256()
    for row in HallMonthResult.objects.filter(run=run).order_by("hall_id").values_list(*fields).iterator(2000):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def timed(grade, repeat: int):
    grade()  # warm-up: imports, caches, the first connection
    times = []
    run = None
    for _ in range(repeat):
        started = time.perf_counter()
        run = grade()
        times.append(time.perf_counter() - started)
    return times, run


def compare(*, month, repeat: int, reason: str, say=print, figures: dict | None = None) -> bool:
    """Grade ``month`` in one process, then per city on 1 and on 2 workers; print a table; True when the
    three configurations' results are identical. ``figures``, when given, receives each configuration's
    best and median seconds and checksum."""
    from config.celery_app import app
    from halls.models import Hall
    from scoring.models import GradingRun, RunState
    from scoring.services import grade_month, grade_month_distributed
    from scoring.services.evidence import cities_open

    if app.conf.task_always_eager:
        raise SystemExit("CELERY_BROKER_URL is not set: the worker runs need a broker (Redis)")

    def single():
        return grade_month(month=month, reason=reason)

    def distributed():
        run = grade_month_distributed(month=month, reason=reason)
        while run.state == RunState.RUNNING:
            time.sleep(0.02)
            run = GradingRun.objects.get(pk=run.pk)
        if run.state != RunState.DRAFT:
            raise SystemExit(f"distributed run failed: {run.message}")
        return run

    say(f"month {month:%Y-%m}: {Hall.objects.count():,} halls, {len(cities_open(month=month))} cities (chunks)")
    results = {}
    times, run = timed(single, repeat)
    results["single process"] = (times, checksum(run))
    default_queue = app.conf.task_default_queue
    try:
        for count in (1, 2):
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            with ExitStack() as stack:
                for index in range(count):
                    stack.enter_context(worker(queue, index))
                wait_ready(app, [f"{queue}-{index}@{os.uname().nodename}" for index in range(count)])
                app.conf.task_default_queue = queue
                times, run = timed(distributed, repeat)
            results[f"{count} worker{'s' if count > 1 else ''} (per city)"] = (times, checksum(run))
    finally:
        app.conf.task_default_queue = default_queue

    say(f"{'configuration':<24} {'best s':>8} {'median s':>9}  checksum")
    for name, (times, digest) in results.items():
        say(f"{name:<24} {min(times):>8.2f} {statistics.median(times):>9.2f}  {digest[:16]}")
    identical = len({digest for _times, digest in results.values()}) == 1
    say(f"results identical: {'yes' if identical else 'NO'}")
    single_best = min(results["single process"][0])
    for count in (1, 2):
        name = f"{count} worker{'s' if count > 1 else ''} (per city)"
        ratio = min(results[name][0]) / single_best
        # The target is the 2 workers' (faster than one process); 1 worker shows what splitting costs.
        verdict = f" (target < 1: {'met' if ratio < 1 else 'MISSED'})" if count == 2 else ""
        say(f"{name} ÷ single process: {ratio:.2f} (best ÷ best){verdict}")
    if figures is not None:
        for name, (times, digest) in results.items():
            figures[name] = {"best": min(times), "median": statistics.median(times), "checksum": digest}
    return identical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reason", default="性能测试：单进程与分城市多进程评定对比")
    args = parser.parse_args()

    import django

    django.setup()
    from halls.months import month_parse

    identical = compare(month=month_parse(args.month), repeat=args.repeat, reason=args.reason)
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
