"""Every page names the application's icon, and the icon is a static file that exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from halls.error_views import server_error_view


@pytest.mark.django_db
def test_pages_link_the_favicon_and_it_exists(client, world, rf):
    assert 'rel="icon"' in client.get(reverse("login")).content.decode()
    client.force_login(world.hq)
    page = client.get(reverse("halls:list")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert 'rel="icon"' in server_error_view(rf.get("/")).content.decode()
    icon = Path(finders.find("favicon.svg"))
    assert icon.read_text().startswith("<svg")
