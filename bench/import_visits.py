"""Benchmark: a mystery-visit file of N rows, imported through the Celery task path (from the repository root):

    .venv/bin/python bench/import_visits.py --rows 50000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hallq_b \
        .venv/bin/python bench/import_visits.py --rows 50000
    DATABASE_URL=... CELERY_BROKER_URL=redis://127.0.0.1:6379/2 \
        .venv/bin/python bench/import_visits.py --worker

Without DATABASE_URL it uses a fresh SQLite file var/bench.sqlite3. It builds the default tree, a demo
province and the file (XLSX, one column per level-3 indicator of the default tree), uploads it with
``import_batch_start`` and times until the batch is finished: eagerly in-process through the Celery task
by default, or with ``--worker`` through the broker to a real ``celery worker`` it starts. It prints the
time and rows per second; the target for 50,000 rows is under 60 s. Bench rows are deleted afterwards
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--halls", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--worker", action="store_true", help="send the task through CELERY_BROKER_URL to a real worker"
    )
    parser.add_argument("--keep", action="store_true", help="keep the imported rows")
    return parser.parse_args()


def _setup(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG would keep every SQL statement in memory
    if not os.environ.get("DATABASE_URL"):
        path = ROOT / "var" / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    if not args.worker:
        os.environ.pop("CELERY_BROKER_URL", None)  # eager: the task runs in this process
    elif not os.environ.get("CELERY_BROKER_URL"):
        sys.exit("--worker needs CELERY_BROKER_URL")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build_file(*, rows: int, halls: list[str], run: str, seed: int) -> bytes:
    import xlsxwriter
    from django.utils import timezone

    from halls.months import month_add, month_start
    from surveys.imports.kinds.visits import VisitImporter

    columns = VisitImporter().template_columns()
    rng = random.Random(seed)
    first = month_add(month_start(timezone.localdate()), -6)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(VisitImporter.sheet_name)
    sheet.write_row(0, 0, [column.header for column in columns])
    for number in range(1, rows + 1):
        day = month_add(first, rng.randrange(6)).replace(day=rng.randint(1, 28))
        values = []
        for column in columns:
            key = column.key
            if key == "external_id":
                values.append(f"{run}-{number:06d}")
            elif key == "vendor":
                values.append(f"BENCH-{run}")
            elif key == "hall_code":
                values.append(halls[number % len(halls)])
            elif key == "visited_at":
                values.append(f"{day:%Y-%m-%d} {rng.randint(9, 17):02d}:{rng.choice((0, 15, 30, 45)):02d}")
            elif key == "scenario":
                values.append("办理套餐变更")
            elif key == "shopper_code":
                values.append(f"S{rng.randint(1, 50):03d}")
            elif key == "comment":
                values.append("")
            elif column.example in ("否", ""):  # veto, deduction and bonus columns: mostly nothing
                values.append(column.example)
            else:  # a scored indicator: full points, now and then half lost
                full = float(column.example)
                values.append(str(full / 2 if rng.random() < 0.05 else full).removesuffix(".0"))
        sheet.write_row(number, 0, values)
    workbook.close()
    return buffer.getvalue()


def _start_worker(queue: str) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local")
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1", "-n", f"{queue}@%h",
               "--without-gossip", "--without-mingle", "-l", "warning"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def main() -> None:
    args = _parse()
    _setup(args)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.utils import timezone

    from config.celery_app import app
    from halls.demo import demo_org_build
    from inspections.models import Inspection, InspectionItem, Rectification
    from inspections.services.tree import default_tree_load
    from scoring.services import default_policy_load
    from surveys.models import ImportBatch, ImportKind
    from surveys.services.imports import import_batch_start

    default_tree_load()
    default_policy_load()
    org = demo_org_build(hall_count=args.halls, seed=args.seed, today=timezone.localdate())
    run = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    data = _build_file(rows=args.rows, halls=[hall.code for hall in org.halls], run=run, seed=args.seed)
    print(f"database: {connection.vendor}  rows: {args.rows}  halls: {len(org.halls)}  file: {len(data) / 1e6:.1f} MB "
          f"(built in {time.perf_counter() - started:.1f} s)")  # fmt: skip

    worker = None
    if args.worker:
        queue = f"bench-{run}"
        app.conf.task_default_queue = queue
        worker = _start_worker(queue)
        time.sleep(3)
    upload = SimpleUploadedFile(f"bench-{run}.xlsx", data)
    try:
        started = time.perf_counter()
        batch = import_batch_start(kind=ImportKind.MYSTERY_VISITS, upload=upload, user=None)
        while True:
            batch = ImportBatch.objects.defer("errors").get(pk=batch.pk)
            if batch.is_finished:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)

    vendor = f"BENCH-{run}"
    visits = Inspection.objects.filter(vendor=vendor)
    items = InspectionItem.objects.filter(inspection__vendor=vendor)
    rectifications = Rectification.objects.filter(inspection__vendor=vendor)
    print(f"path: {'broker → celery worker' if args.worker else 'celery task, eager in-process'}")
    print(f"outcome: {batch.get_state_display()} — {batch.message}")
    if batch.errors:
        print("first errors:", batch.errors[:5])
    print(f"created: {visits.count()} visits, {items.count()} items, {rectifications.count()} rectifications")
    print(f"time: {elapsed:.1f} s   rate: {args.rows / elapsed:,.0f} rows/s   target: < 60 s for 50,000 rows")
    if not args.keep:
        rectifications._raw_delete(rectifications.db)
        items._raw_delete(items.db)
        visits._raw_delete(visits.db)


if __name__ == "__main__":
    main()
