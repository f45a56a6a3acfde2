"""Error pages are in the application's layout and the reader's language, with a way back, with DEBUG off."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.security.csp_checks import csp_violations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def _page(response) -> str:
    page = response.content.decode()
    assert csp_violations(page) == []
    return page


def test_a_missing_page_is_a_404_in_the_layout_with_the_menu_and_a_way_home(client, world):
    client.force_login(world.district_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = _page(response)
    assert "页面不存在" in page and 'id="mainNav"' in page
    assert f'href="{reverse("home")}"' in page and "返回首页" in page


def test_a_forbidden_page_is_a_403_in_the_reader_s_language(client, world):
    client.force_login(world.manager_a1)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("scoring:grading"))
    assert response.status_code == 403
    page = _page(response)
    assert "Access denied" in page and "Back to the home page" in page and "403 Forbidden" not in page
    assert 'id="mainNav"' in page


def test_a_bad_request_is_a_400_in_the_layout(client, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    page = _page(response)
    assert "请求有误" in page and "返回首页" in page


def test_a_refused_form_token_is_explained_not_django_s_english_page(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.hq)
    response = browser.post(reverse("set_language"), {"language": "en"})
    assert response.status_code == 403
    page = _page(response)
    assert "页面已过期" in page and "CSRF" not in page


def test_a_server_error_is_a_500_page_that_needs_no_database_and_no_request(django_assert_num_queries):
    from config.urls import handler500
    from halls.error_views import server_error_view

    assert handler500 == "halls.error_views.server_error_view"
    request = RequestFactory().get("/")  # no session, no user: whatever failed may have been those
    with django_assert_num_queries(0):
        response = server_error_view(request)
    assert response.status_code == 500
    page = _page(response)
    assert "服务器内部错误" in page and "返回首页" in page and "navbar-brand" in page


def test_a_view_that_crashes_answers_with_the_500_page(client, world, monkeypatch):
    from halls import views

    def crash(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "health_report", crash)
    browser = Client(raise_request_exception=False)
    browser.cookies["django_language"] = "en"
    response = browser.get(reverse("health"))
    assert response.status_code == 500
    assert "Server error" in response.content.decode() and connection.is_usable()
