from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in English leaves English active in the thread (LocaleMiddleware does not reset it), which
    would make later tests that compare Chinese messages read English: restore the default after each test."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def run_import_as_hq(world, django_capture_on_commit_callbacks):
    """Upload a file as HQ through the service and run its import task once the upload commits."""
    from surveys.services.imports import import_batch_start
    from tests.surveys.files import upload

    def run(kind, name, data, *, params=None):
        with django_capture_on_commit_callbacks(execute=True):
            batch = import_batch_start(kind=kind, upload=upload(name, data), user=world.hq, params=params)
        batch.refresh_from_db()
        return batch

    return run
