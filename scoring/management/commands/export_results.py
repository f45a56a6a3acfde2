from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from halls.errors import ApplicationError
from halls.months import month_parse


class Command(BaseCommand):
    help = "Export a month's results (published, else the newest draft), one row per hall, as CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument("--format", dest="fmt", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", "-o", help="file to write (CSV goes to standard output without it)")

    def handle(self, *args, month: str, fmt: str, output: str | None, **options):
        from scoring.services.export import results_export

        if fmt == "xlsx" and not output:
            raise CommandError("--format xlsx 需要 --output 文件路径")
        try:
            run, data = results_export(month=month_parse(month), fmt=fmt)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        if output:
            Path(output).write_bytes(data)
            self.stderr.write(f"{month} revision {run.revision} ({run.get_state_display()}) → {output}")
        else:
            self.stdout.write(data.decode("utf-8-sig"), ending="")
