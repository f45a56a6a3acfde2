from __future__ import annotations

import datetime as dt

import pytest

from inspections.services.tree import scheme_create_from_spec
from scoring.services import default_policy_load
from surveys.models import ImportBatch
from surveys.services.definitions import survey_defaults_load
from surveys.services.imports import import_batch_start
from tests.inspections.conftest import SMALL_TREE
from tests.surveys.files import upload


@pytest.fixture
def small_scheme(db):
    """The small tree of tests/inspections/conftest.py, active from January 2026:

    A1.1 25 · A1.2 15 · A2.1 20 · B1.1 30 · B1.2 10 (may be N/A) · V veto · X deduction 2 · P bonus 1
    """
    return scheme_create_from_spec(spec=SMALL_TREE, name="小树", effective_from=dt.date(2026, 1, 1), activate=True)


@pytest.fixture
def policy(db):
    return default_policy_load()[0]


@pytest.fixture
def surveys(db):
    """The default surveys: CSAT (six dimensions, 10-point scale, repair at ≤ 6), STAFF, SUPPORT."""
    return {survey.code: survey for survey in survey_defaults_load()}


@pytest.fixture
def run_import(world, django_capture_on_commit_callbacks):
    """Upload a file as HQ and run its import task (eagerly, once the upload commits); return the batch."""

    def run(kind: str, name: str, data: bytes, *, params: dict | None = None, user=None) -> ImportBatch:
        with django_capture_on_commit_callbacks(execute=True):
            batch = import_batch_start(kind=kind, upload=upload(name, data), user=user or world.hq, params=params)
        batch.refresh_from_db()
        return batch

    return run
