"""Browser tests drive Debian's chromium (never a downloaded browser) through pytest-playwright."""

from __future__ import annotations

import os
import shutil

import pytest

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
