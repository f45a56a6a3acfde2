from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest

from halls.models import Hall
from tests.factories import (
    DistrictFactory,
    HallFactory,
    UserFactory,
    district_manager,
    hall_manager,
    hq_user,
)


@dataclass
class World:
    """Two districts of one city with two halls each, and one user per role and scope.

    city C
    ├── district A: hall a1 (managed by hall_a1), hall a2
    └── district B: hall b1 (managed by hall_b1), hall b2
    """

    hall_a1: Hall
    hall_a2: Hall
    hall_b1: Hall
    hall_b2: Hall
    hq: object
    district_a: object
    district_b: object
    manager_a1: object
    manager_b1: object
    no_role: object


@pytest.fixture
def world(db) -> World:
    district_a = DistrictFactory()
    district_b = DistrictFactory(city=district_a.city)
    a1 = HallFactory(district=district_a)
    a2 = HallFactory(district=district_a)
    b1 = HallFactory(district=district_b)
    b2 = HallFactory(district=district_b)
    return World(
        hall_a1=a1,
        hall_a2=a2,
        hall_b1=b1,
        hall_b2=b2,
        hq=hq_user(username="hq"),
        district_a=district_manager(district_a, username="dm_a"),
        district_b=district_manager(district_b, username="dm_b"),
        manager_a1=hall_manager(a1, username="hm_a1"),
        manager_b1=hall_manager(b1, username="hm_b1"),
        no_role=UserFactory(username="norole"),
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in English leaves English active in the thread (LocaleMiddleware does not reset it), which
    would make later tests that compare Chinese messages read English: restore the default after each test."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached figures are keyed by run and city ids, which a rolled-back test may hand out again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- Browser tests (marked ``browser``, in any folder) drive Debian's chromium, never a downloaded browser,
# through pytest-playwright.
# pytest-django's live_server runs Django beside Playwright's event loop in the same process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium")
NO_CHROMIUM = "Debian's chromium is not installed (apt-get install chromium); browser tests need it"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        pytest.skip(NO_CHROMIUM)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Chinese first, as the users see it.
    return {**browser_context_args, "locale": "zh-CN"}
