"""Dates in inputs are ISO, whatever the page's language; dates on pages have one format."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from inspections.models import CoachingVisit
from tests.inspections.factories import at

pytestmark = pytest.mark.usefixtures("march", "policy")


def test_the_coaching_form_offers_today_as_an_iso_date_and_saves_without_picking_one(client, world, time_machine):
    time_machine.move_to(at("2026-03-11 10:00"))
    url = reverse("inspections:coaching_list", args=[world.hall_a1.pk])
    client.force_login(world.district_a)
    page = client.get(url).content.decode()
    assert 'type="date" name="visit_date" value="2026-03-11"' in page
    # What the browser sends back when the user leaves the offered date as it is.
    response = client.post(url, {"kind": "plan", "visit_date": "2026-03-11", "content": "周三辅导"})
    assert response.status_code == 302
    assert CoachingVisit.objects.get().visit_date == dt.date(2026, 3, 11)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_date_on_a_page_reads_the_same_in_both_languages(language):
    with translation.override(language):
        text = Template("{{ day }} · {{ moment }}").render(
            Context({"day": dt.date(2026, 12, 4), "moment": dt.datetime(2026, 12, 4, 9, 30)})
        )
    assert text == "2026-12-04 · 2026-12-04 09:30"
