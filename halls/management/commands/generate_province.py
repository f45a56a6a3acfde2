from __future__ import annotations

import resource

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bench.province import province_generate
from halls.errors import ApplicationError
from halls.months import month_add, month_parse, month_start


class Command(BaseCommand):
    help = (
        "Generate a synthetic province (halls, staff and months of evidence), deterministic by seed, into a "
        "database that has no hall yet. COPY on PostgreSQL, bulk_create batches on SQLite."
    )

    def add_arguments(self, parser):
        parser.add_argument("--halls", type=int, default=20_000, help="number of halls (default 20000)")
        parser.add_argument("--months", type=int, default=12, help="months of evidence (default 12)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--start", default=None, help="first month, YYYY-MM (default: so that the last month is last month)"
        )

    def handle(self, *args, halls: int, months: int, seed: int, start: str | None, **options):
        try:
            first = month_parse(start) if start else month_add(month_start(timezone.localdate()), -months)
            report = province_generate(
                halls=halls, months=months, seed=seed, start=first, echo=lambda line: self.stdout.write(line)
            )
        except ApplicationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("")
        for line in report.loader.report_lines():
            self.stdout.write(line)
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        total_rows = sum(timing.rows for timing in report.loader.timings.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"generated {report.halls:,} halls × {len(report.months)} months "
                f"({report.months[0]:%Y-%m}..{report.months[-1]:%Y-%m}), {total_rows:,} rows "
                f"in {report.seconds:.1f} s, peak memory {peak_mib:.0f} MiB"
            )
        )
