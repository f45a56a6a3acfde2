#!/usr/bin/env python
"""The published month's ranking and hall archive pages, cold (empty cache) against warm (each page asked for
again), in this process through Django's test client: median milliseconds and mean queries per page, side by
side, with the application's cheapest authenticated page (a grading run's progress JSON) as the floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hallq_bench CACHE_URL=redis://127.0.0.1:6379/1 \\
    .venv/bin/python bench/page_cache.py --pages 10

Run it on a province the bench has built (bench/run.py, whose last month is graded and published). It logs in
the bench's HQ user and a hall manager of its own (``bench-hm``, created here), and clears the cache once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10, help="distinct pages of each kind (default 10)")
    parser.add_argument("--repeat", type=int, default=5, help="warm requests of each page (default 5)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from halls.models import Hall, Role, UserProfile
    from scoring.models import GradingRun, RunState

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    run = GradingRun.objects.filter(state=RunState.PUBLISHED, is_what_if=False).order_by("-month").first()
    if run is None:
        sys.exit("no published month: build the province with bench/run.py first")
    label = f"{run.month:%Y-%m}"
    halls = list(Hall.objects.order_by("pk").values_list("pk", flat=True)[: args.pages])
    users = get_user_model().objects
    hq, _ = users.get_or_create(username="bench-hq")
    UserProfile.objects.get_or_create(user=hq, defaults={"role": Role.HQ})
    hm, _ = users.get_or_create(username="bench-hm")
    UserProfile.objects.update_or_create(user=hm, defaults={"role": Role.HALL_MANAGER, "hall_id": halls[0]})

    def client_for(user) -> Client:
        client = Client()
        client.force_login(user)
        client.get("/")  # the session is read from the database once, then from the cache
        return client

    floor = f"/scoring/grading/runs/{run.pk}/progress/"
    pages = {
        "floor (run progress)": (client_for(hq), [floor]),
        "ranking (HQ)": (
            client_for(hq),
            [f"/scoring/rankings/?month={label}&page={n}" for n in range(1, args.pages + 1)],
        ),
        "archive (HQ)": (client_for(hq), [f"/halls/{pk}/?month={label}" for pk in halls]),
        "archive (hall manager)": (client_for(hm), [f"/halls/{halls[0]}/?month={label}"]),
    }
    cache.clear()
    print(f"== {label}, {len(halls)} pages of each kind, cache {settings.CACHES['default']['BACKEND']}")
    print(f"{'page':<24}{'cold ms':>9}{'warm ms':>9}{'ratio':>7}{'cold q':>8}{'warm q':>8}  throughput vs floor")
    floor_ms = None
    for name, (client, urls) in pages.items():
        figures = {}
        for phase, repeat in (("cold", 1), ("warm", args.repeat)):
            times, counts = [], []
            for _ in range(repeat):
                for url in urls:
                    with CaptureQueriesContext(connection) as queries:
                        start = time.perf_counter()
                        response = client.get(url)
                        times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
                    counts.append(len(queries))
            figures[phase] = (statistics.median(times), statistics.mean(counts))
        (cold_ms, cold_q), (warm_ms, warm_q) = figures["cold"], figures["warm"]
        # The target: a published month's pages at half the floor's throughput or more (warm, same run).
        floor_ms = floor_ms or warm_ms
        verdict = (
            ""
            if warm_ms is floor_ms
            else f"  {floor_ms / warm_ms:.2f} (≥ 0.5: {'met' if floor_ms / warm_ms >= 0.5 else 'MISSED'})"
        )
        print(f"{name:<24}{cold_ms:>9.1f}{warm_ms:>9.1f}{cold_ms / warm_ms:>7.1f}{cold_q:>8.1f}{warm_q:>8.1f}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
