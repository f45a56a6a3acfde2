"""People are named by their full name on every page; the header gives the role once."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse


def _navbar_text(page: str) -> str:
    return re.search(r'<span class="navbar-text[^"]*">(.*?)</span>', page, re.S).group(1)


@pytest.mark.django_db
def test_the_header_of_each_demo_login_names_the_person_and_gives_the_role_once(client):
    call_command("seed_demo", halls=30, months=1, seed=7, stdout=StringIO())
    for username, role in (("hq", "客服部（总部）"), ("district", "区县服务主管"), ("hall", "营业厅店长")):
        client.force_login(get_user_model().objects.get(username=username))
        header = _navbar_text(client.get(reverse("home"), follow=True).content.decode())
        assert header.count(role) == 1, header
        name, shown_role = header.split(" · ")
        assert shown_role == role and role not in name and name != username
