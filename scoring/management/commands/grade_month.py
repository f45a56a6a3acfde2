from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from halls.errors import ApplicationError
from halls.months import month_parse


class Command(BaseCommand):
    help = "Grade a month now (YYYY-MM) as a draft; a published month needs --reason and becomes a new revision."

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument("--reason", default="", help="why a published month is graded again")

    def handle(self, *args, month: str, reason: str, **options):
        from scoring.services import grade_month

        try:
            run = grade_month(month=month_parse(month), reason=reason)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{month} revision {run.revision}: {run.halls_graded} graded, {run.halls_not_graded} not graded (draft)"
            )
        )
