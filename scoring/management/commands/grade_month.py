from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from halls.errors import ApplicationError
from halls.months import month_current, month_parse


class Command(BaseCommand):
    help = "Grade a month now (YYYY-MM) as a draft; a published month needs --reason and becomes a new revision."

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument("--reason", default="", help="why a published month is graded again")
        parser.add_argument(
            "--distributed",
            action="store_true",
            help="one chunk task per city on the Celery workers, then one ranking step (waits for it)",
        )
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait with --distributed")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="grade the current month, which is not finished: its data are partial (refused without this)",
        )

    def handle(self, *args, month: str, reason: str, distributed: bool, timeout: float, partial: bool, **options):
        from scoring.models import GradingRun, RunState
        from scoring.services import grade_month
        from scoring.services.distributed import grade_month_distributed

        try:
            if month_parse(month) == month_current() and not partial:
                raise CommandError(
                    f"{month} is the current month, not finished: its data are partial. Add --partial to grade it."
                )
            if distributed:
                run = grade_month_distributed(month=month_parse(month), reason=reason)
            else:
                run = grade_month(month=month_parse(month), reason=reason)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        deadline = time.monotonic() + timeout
        while run.state == RunState.RUNNING and time.monotonic() < deadline:
            time.sleep(0.2)
            run = GradingRun.objects.get(pk=run.pk)
        if run.state != RunState.DRAFT:
            raise CommandError(f"{month} revision {run.revision}: {run.get_state_display()} {run.message}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{month} revision {run.revision}: {run.halls_graded} graded, {run.halls_not_graded} not graded (draft)"
            )
        )
