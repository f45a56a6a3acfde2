from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from halls.errors import ApplicationError
from halls.months import month_parse


class Command(BaseCommand):
    help = "Publish a month's draft grading (YYYY-MM); the month is frozen afterwards."

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        from scoring.services import month_publish

        try:
            run = month_publish(month=month_parse(month))
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{month} revision {run.revision} published"))
