from __future__ import annotations

import pytest

from tests.reports.factories import Gradings, gradings_build


@pytest.fixture
def gradings(world) -> Gradings:
    """May and June published, July a draft under review: see :func:`gradings_build`."""
    return gradings_build(world)
