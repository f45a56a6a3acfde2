"""What every signed-in request pays, and the protections it keeps while paying less (issue 22).

The cheapest signed-in request is a grading run's progress JSON, which HQ's page polls while a run goes on:
the session comes from the cache, the user comes with his profile in one query (halls.backends), and the
run is read with the four fields the answer shows."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import reverse

from halls.models import UserProfile
from scoring.models import GradingRun
from scoring.services import default_policy_load, grading_run_start
from tests.factories import UserFactory
from tests.scoring.conftest import JAN

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def run(db) -> GradingRun:
    from inspections.services.tree import default_tree_load

    default_policy_load()
    default_tree_load()
    return grading_run_start(month=JAN)


def _progress(client, run):
    return client.get(reverse("scoring:run_progress", args=[run.pk]))


def test_the_progress_json_of_a_signed_in_user_costs_two_queries_the_user_with_his_profile_and_the_run(
    client, world, run, django_assert_num_queries
):
    client.force_login(world.hq)
    _progress(client, run)  # the session is now in the cache (cached_db reads the cache first)
    with django_assert_num_queries(2) as captured:
        response = _progress(client, run)
    assert response.status_code == 200 and response.json()["state"] == "running"
    user_query = captured.captured_queries[0]["sql"]
    assert "auth_user" in user_query and "halls_userprofile" in user_query  # one query, joined


def test_the_language_picked_on_the_account_comes_with_the_user_and_no_extra_query(
    client, world, run, django_assert_num_queries
):
    UserProfile.objects.filter(user=world.hq).update(language="en")
    client.force_login(world.hq)
    _progress(client, run)
    with django_assert_num_queries(2):
        response = _progress(client, run)
    assert response.json()["state_label"] == "Calculating"
    assert response.headers["Content-Language"] == "en"


def test_a_superuser_without_a_profile_is_hq_with_no_query_for_the_missing_profile(
    client, run, django_assert_num_queries
):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    _progress(client, run)
    with django_assert_num_queries(2):
        assert _progress(client, run).status_code == 200


def test_a_deactivated_users_session_no_longer_signs_him_in(client, world, run):
    client.force_login(world.hq)
    assert _progress(client, run).status_code == 200
    type(world.hq).objects.filter(pk=world.hq.pk).update(is_active=False)
    response = _progress(client, run)
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("login"))


def test_a_changed_password_signs_out_the_other_sessions(client, world, run):
    client.force_login(world.hq)
    assert _progress(client, run).status_code == 200
    world.hq.set_password("another-long-passphrase")
    world.hq.save()
    assert _progress(client, run).status_code == 302


def test_logging_in_through_the_form_records_the_profile_backend_in_the_session(client, world):
    response = client.post(reverse("login"), {"username": "hq", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "halls.backends.ProfileModelBackend"


def test_the_progress_json_keeps_every_protective_header(client, world, run):
    client.force_login(world.hq)
    response = _progress(client, run)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert len(response.headers["X-Request-ID"]) == 16
    assert response.headers["Content-Language"] == settings.LANGUAGE_CODE


def test_the_progress_json_is_for_hq_only_and_asks_strangers_to_log_in(client, world, run):
    assert _progress(client, run).status_code == 302
    client.force_login(world.district_a)
    assert _progress(client, run).status_code == 403


def test_a_post_without_its_csrf_token_is_refused_for_a_signed_in_user(world, run):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.hq)
    response = strict.post(reverse("scoring:run_publish", args=[run.pk]), {"confirm": "1"})
    assert response.status_code == 403


def test_the_policy_built_once_is_django_csps_own_and_a_views_own_policy_still_wins(rf):
    from csp.decorators import csp_update
    from csp.utils import build_policy
    from django.http import HttpResponse

    from halls.csp import CSPMiddleware

    plain = CSPMiddleware(lambda request: HttpResponse("ok"))
    request = rf.get("/")
    plain.process_request(request)
    assert plain(request)["Content-Security-Policy"] == build_policy()

    @csp_update({"img-src": ["https://maps.example.com"]})
    def view(request):
        return HttpResponse("ok")

    decorated = CSPMiddleware(view)
    request = rf.get("/")
    decorated.process_request(request)
    assert "img-src 'self' data: blob: https://maps.example.com" in decorated(request)["Content-Security-Policy"]


def test_a_nonce_asked_for_after_the_header_was_written_raises(rf):
    from csp.exceptions import CSPNonceError
    from django.http import HttpResponse

    from halls.csp import CSPMiddleware

    middleware = CSPMiddleware(lambda request: HttpResponse("ok"))
    request = rf.get("/")
    middleware.process_request(request)
    middleware(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_a_nonce_used_by_the_page_is_in_its_header(rf, settings):
    from csp.constants import NONCE
    from django.http import HttpResponse

    from halls.csp import CSPMiddleware

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    middleware = CSPMiddleware(view)
    request = rf.get("/")
    middleware.process_request(request)
    response = middleware(request)
    assert f"script-src 'self' 'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
