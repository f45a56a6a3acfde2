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
