"""Grade one month in a process of its own and print, as one JSON line, the wall time of ``grade_month``,
its query count and the process's peak resident memory (Linux's ``VmHWM``: Django, pandas and the grading
itself; the high-water mark of this process image. ``ru_maxrss`` is not used: Linux carries it across
``execve``, so a child started by a big parent would report the parent's peak).

    DATABASE_URL=... .venv/bin/python bench/grade_once.py 2026-10 [--reason TEXT] [--repeat N]

With ``--repeat N`` the month is graded N times in the same process (the first run creates the draft, the
next ones re-grade it in place, deleting its rows first) and the best and the first time are printed, as the
baseline is timed: best of three in one process, after a first cold run.

bench/run.py calls it, so that the memory figure is the grading's own and not that of the process that
generated the province or graded earlier months.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def _maxrss_mib() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, elsewhere a guess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("month", help="YYYY-MM")
    parser.add_argument("--reason", default="")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.backends.signals import connection_created

    from halls.months import month_parse
    from scoring.models import HallMonthResult
    from scoring.services import grade_month

    month = month_parse(args.month)
    # Every query of the last run, on this thread's connection and on those of the reads grading runs side
    # by side (each thread opens its own: a wrapper is put on each connection as it opens).
    queries = Counter()

    def count(execute, sql, params, many, context):
        with lock:
            queries["last run"] += 1
        return execute(sql, params, many, context)

    lock = threading.Lock()
    connection_created.connect(lambda connection, **_: connection.execute_wrappers.append(count), weak=False)
    connection.ensure_connection()
    connection.execute_wrappers.append(count)
    before = _maxrss_mib()
    times = []
    for _ in range(max(args.repeat, 1)):
        queries.clear()
        began = time.perf_counter()
        run = grade_month(month=month, reason=args.reason)
        times.append(time.perf_counter() - began)
    print(
        json.dumps(
            {
                "seconds": min(times),
                "first_seconds": times[0],
                "runs": len(times),
                "queries": queries["last run"],
                "rss_before_mib": before,
                "peak_rss_mib": _maxrss_mib(),
                "run": run.pk,
                "results": HallMonthResult.objects.filter(run=run).count(),
            }
        )
    )


if __name__ == "__main__":
    main()
