from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from halls.errors import ApplicationError
from halls.months import month_parse


class Command(BaseCommand):
    help = "Split a published month's bonus pools to halls and staff as a new draft revision; --approve approves it."

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument("--approve", action="store_true", help="approve the new split at once (freezes the month)")
        parser.add_argument("--reason", default="", help="why, when re-splitting a month that was approved before")

    def handle(self, *args, month: str, approve: bool, reason: str, **options):
        from incentives.services import bonus_split_approve, split_bonus

        try:
            split = split_bonus(month=month_parse(month), reason=reason)
            if approve:
                split = bonus_split_approve(split_id=split.pk)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{split.month:%Y-%m} revision {split.revision} ({split.state}): pools {split.pool_total}, "
            f"halls {split.hall_total}, staff {split.staff_total}, "
            f"unallocated in units {split.unit_unallocated}, in halls {split.hall_unallocated}"
        )
        for line in split.note_lines():
            self.stdout.write(f"  {line}")
