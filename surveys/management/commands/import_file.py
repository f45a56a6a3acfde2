"""``manage.py import_file KIND PATH [--as USERNAME]``: a file imported from the command line (a nightly
job fed by the operator's HR and shop systems) through the same batch as an upload on the page: the same
checks, the same record under *数据导入*, all rows or none. Prints every row error and exits non-zero when
the file is refused."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from halls.errors import ApplicationError
from surveys.imports import IMPORTERS
from surveys.models import ImportBatch, ImportKind, ImportState
from surveys.services.imports import import_batch_create, import_batch_run


class Command(BaseCommand):
    help = "Import a file of one kind (organisation, halls, staff, users or any evidence kind) as HQ does on the page."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="what the file holds")
        parser.add_argument("path", help="an .xlsx or .csv file laid out as the kind's template")
        parser.add_argument("--as", dest="username", help="the active user recorded as the importer")
        parser.add_argument("--survey", type=int, help="survey id (survey responses only)")

    def handle(self, *args, kind: str, path: str, username: str | None, survey: int | None, **options):
        user = None
        if username:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user named {username!r}")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"no such file: {path}")
        upload = SimpleUploadedFile(file.name, file.read_bytes())
        params = {"survey_id": survey} if kind == ImportKind.SURVEY_RESPONSES else {}
        try:
            batch = import_batch_create(kind=kind, upload=upload, user=user, params=params)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        import_batch_run(batch_id=batch.pk)
        batch = ImportBatch.objects.get(pk=batch.pk)
        for error in batch.errors:
            column = f" [{error['column']}]" if error["column"] else ""
            self.stderr.write(f"row {error['row']}{column}: {error['reason']}")
        line = f"batch {batch.pk} {batch.kind}: {batch.state} · {batch.message}"
        if batch.state != ImportState.SUCCEEDED:
            raise CommandError(line)
        self.stdout.write(self.style.SUCCESS(line))
