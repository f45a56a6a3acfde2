"""Loaded by the import fork server (``surveys.imports.isolation``): Django set up once, for every child.

It lives outside ``surveys.imports``, whose package imports models, which need Django set up first."""

from __future__ import annotations

import os
import resource


def django_ready() -> None:
    from django.apps import apps

    if not apps.ready:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        django.setup()


def _peak_rss() -> int:
    # ru_maxrss is in kibibytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def read_in_child(connection, *, name: str, data: bytes, sheet_name: str, limits: dict, language: str, memory: int):
    """The reader child's whole life: cap its memory, read, send one message, exit.

    It lives here, in a module that imports no model, so that a child of any fork server can unpickle it.
    """
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # A core dump of an aborted reader is of no use and fills the disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    django_ready()
    from django.utils import translation

    from halls.errors import ApplicationError
    from surveys.imports.inspection import Limits
    from surveys.imports.reading import sheet_read

    with translation.override(language):
        try:
            sheet = sheet_read(name=name, data=data, sheet_name=sheet_name, limits=Limits(**limits))
        except ApplicationError as exc:
            connection.send(("refused", exc.message, _peak_rss()))
            return
        except MemoryError:
            connection.send(("memory", "", _peak_rss()))
            return
    connection.send(("ok", sheet, _peak_rss()))


try:
    django_ready()
except Exception:  # noqa: BLE001 - a child sets Django up itself (and reports any error) if this failed
    pass
