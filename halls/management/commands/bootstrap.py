"""``manage.py bootstrap [--hq USERNAME]``: the first configuration of an empty database, safe on every deploy."""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from halls.bootstrap import bootstrap_steps
from halls.errors import ApplicationError
from halls.masterdata import hq_account_create

PASSWORD_VARIABLE = "HALLQ_HQ_PASSWORD"


class Command(BaseCommand):
    help = (
        "Load the default indicator tree, grading policy and bonus coefficients where none exist and, with --hq, "
        f"create the first HQ account (password from ${PASSWORD_VARIABLE} or a prompt). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hq", metavar="USERNAME", help="create this HQ account unless it exists")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive")

    def handle(self, *args, hq: str | None, interactive: bool, **options):
        for step in bootstrap_steps():
            item, created = step.load()
            self.stdout.write(f"{step.name}: {'created' if created else 'present'} ({item})")
        if hq:
            self._hq_account(username=hq, interactive=interactive)

    def _hq_account(self, *, username: str, interactive: bool) -> None:
        from django.contrib.auth import get_user_model

        if get_user_model().objects.filter(username=username).exists():
            self.stdout.write(f"HQ account {username}: present (left unchanged)")
            return
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            if not (interactive and sys.stdin.isatty()):
                raise CommandError(f"set {PASSWORD_VARIABLE} or run interactively to give {username}'s password")
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the two passwords differ")
        try:
            hq_account_create(username=username, password=password)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"HQ account {username}: created"))
