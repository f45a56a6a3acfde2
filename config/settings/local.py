"""Development on one machine: DEBUG on, SQLite and eager Celery unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import envbool

DEBUG = envbool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "local-dev-only-key-not-for-production-3f9a1c7e5b2d4a6c8e0f"  # noqa: F405
ALLOWED_HOSTS = ["*"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
