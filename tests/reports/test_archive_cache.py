"""The hall archive keeps a finished run's result rows of the hall in the cache: another hall, a regraded
draft and each day's rectifications and repair cases must still show what they are now."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scoring.models import GradingRun
from tests.factories import d
from tests.reports.factories import JUNE, inspection_submit, rectification, repair_case
from tests.reports.test_archive import _archive

pytestmark = pytest.mark.django_db


def test_a_finished_runs_rows_are_read_once_and_then_served_from_the_cache(client, world, gradings):
    _archive(client, world.manager_a1, world.hall_a1)
    # Written behind the services' back: a finished run's rows never change, so the page keeps them.
    world.hall_a1.results.filter(run=gradings.june).update(composite=d("10.00"))
    with CaptureQueriesContext(connection) as queries:
        again = _archive(client, world.manager_a1, world.hall_a1)
    assert not [
        q for q in queries.captured_queries if "scoring_hallmonthresult" in q["sql"] and "COUNT" not in q["sql"]
    ]
    assert 'id="archive-composite">92.50<' in again.content.decode()


def test_each_hall_shows_its_own_figures_after_another_halls_were_cached(client, world, gradings):
    assert (
        'id="archive-composite">92.50<' in _archive(client, world.hq, world.hall_a1, month="2026-06").content.decode()
    )
    html = _archive(client, world.hq, world.hall_a2, month="2026-06").content.decode()
    assert 'id="archive-composite">75.00<' in html and "92.50" not in html


def test_a_draft_regraded_in_place_shows_its_new_figures_on_the_archive(client, world, gradings):
    assert 'id="archive-composite">60.00<' in _archive(client, world.hq, world.hall_a1).content.decode()  # July
    world.hall_a1.results.filter(run=gradings.july_draft).update(composite=d("99.00"))
    GradingRun.objects.filter(pk=gradings.july_draft.pk).update(finished_at=timezone.now())
    assert 'id="archive-composite">99.00<' in _archive(client, world.hq, world.hall_a1).content.decode()


def test_rectifications_and_customers_to_repair_added_after_a_visit_show_on_the_next(client, world, gradings):
    first = _archive(client, world.manager_a1, world.hall_a1).context["archive"]
    assert (first.rectifications, first.repair_cases) == ([], [])
    inspection = inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.2": 4})
    rectification(inspection=inspection, code="S1.2", due=dt.date(2026, 6, 20))
    repair_case(hall=world.hall_a1, overall=2)
    again = _archive(client, world.manager_a1, world.hall_a1)
    archive = again.context["archive"]
    assert [r.indicator.code for r in archive.rectifications] == ["S1.2"]
    assert [c.response.overall for c in archive.repair_cases] == [d("2.0")]
    assert "期限 2026-06-20" in again.content.decode()
