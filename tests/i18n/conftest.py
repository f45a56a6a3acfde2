from __future__ import annotations

import pytest


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
