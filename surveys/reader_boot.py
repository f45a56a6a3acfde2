"""Loaded by the import fork server (``surveys.imports.isolation``): Django set up once, for every child.

It lives outside ``surveys.imports``, whose package imports models, which need Django set up first."""

from __future__ import annotations

import os


def django_ready() -> None:
    from django.apps import apps

    if not apps.ready:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        django.setup()


try:
    django_ready()
except Exception:  # noqa: BLE001 - a child sets Django up itself (and reports any error) if this failed
    pass
