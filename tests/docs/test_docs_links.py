"""The application's own texts link to the matching page of the docs (HALLQ_DOCS_URL), in the reader's
language, to anchors the docs really have; and the built site is served under /docs/ when it exists."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tests.docs.markdown_tables import DOCS
from tests.reports.factories import gradings_build

JULY_15 = dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC)


def _anchors(page: str) -> set[str]:
    return set(re.findall(r"\{#([\w-]+)\}", (DOCS / page).read_text(encoding="utf-8")))


@pytest.fixture
def graded_world(world):
    gradings_build(world)
    return world


@time_machine.travel(JULY_15, tick=False)
@pytest.mark.parametrize(("language", "page"), [("zh-hans", "rules/zh.md"), ("en", "rules/en.md")])
def test_the_archive_explanation_links_to_the_composite_rules_in_the_readers_language(
    client, graded_world, language, page
):
    client.force_login(graded_world.manager_a1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language switch's choice
    html = client.get(f"/halls/{graded_world.hall_a1.pk}/").content.decode()
    link = re.search(r'href="([^"]+)" id="explanation-rules"', html)
    assert link is not None
    lang = page.split("/")[1].removesuffix(".md")
    assert link.group(1) == f"/docs/rules/{lang}/#composite"
    assert "composite" in _anchors(page)


def test_the_import_page_links_to_the_import_templates_page(client, world):
    client.force_login(world.hq)
    html = client.get("/surveys/imports/").content.decode()
    assert 'href="/docs/imports/" id="import-templates-doc"' in html
    assert (DOCS / "imports.md").exists()


def test_hallq_docs_url_points_the_links_at_a_site_published_elsewhere(client, world, settings):
    settings.HALLQ_DOCS_URL = "https://docs.example/hallq/"
    client.force_login(world.hq)
    html = client.get("/surveys/imports/").content.decode()
    assert 'href="https://docs.example/hallq/imports/" id="import-templates-doc"' in html


def test_the_built_site_is_served_under_docs_without_login(db, settings, tmp_path):
    site = tmp_path / "site"
    (site / "rules" / "zh").mkdir(parents=True)
    (site / "rules" / "zh" / "index.html").write_text("<h1>评定规则</h1>", encoding="utf-8")
    settings.HALLQ_DOCS_DIR = site
    response = Client().get("/docs/rules/zh/")
    assert response.status_code == 200
    assert "评定规则" in b"".join(response.streaming_content).decode()


def test_without_a_built_site_nothing_is_served_under_docs(db, settings, tmp_path):
    settings.HALLQ_DOCS_DIR = tmp_path / "not-built"
    assert Client().get("/docs/rules/zh/").status_code == 404
