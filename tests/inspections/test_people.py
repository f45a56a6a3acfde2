"""People are named by their full name on the inspection pages, not by their login name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inspections.models import Inspection
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import inspection_enter


@pytest.mark.usefixtures("march", "policy")
def test_the_inspector_is_named_by_full_name_on_the_inspection_pages(client, world, small_scheme):
    world.district_a.first_name = "李强"
    world.district_a.save()
    inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values=FULL_MARKS)
    inspection = Inspection.objects.get()
    client.force_login(world.hq)
    for url in (
        reverse("inspections:detail", args=[inspection.pk]),
        reverse("inspections:list"),
        reverse("halls:detail", args=[world.hall_a1.pk]),
    ):
        page = client.get(url).content.decode()
        assert "李强" in page, url
        assert f">{world.district_a.username}<" not in page, url
