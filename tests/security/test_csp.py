"""Pages satisfy the Content-Security-Policy: no inline script, style or event handler anywhere.

Two nets: every page in the URLconf rendered for real (as HQ, as a hall manager and anonymously), and
every template under templates/ read as source, so a page merged later is covered before anyone writes
a test for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.samples import sample_city_managers, sample_url_kwargs, samples_build
from tests.security.csp_checks import csp_violations, template_csp_violations

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


# --- the checker itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">x()</script>',
        '<div style="color:red">x</div>',
        "<style>p{}</style>",
        '<button onclick="go()">x</button>',
        '<img src="x.png" onerror="go()">',
        '<a href="javascript:go()">x</a>',
    ],
)
def test_the_checker_catches_what_the_policy_forbids(html):
    assert csp_violations(html)


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/js/app.js"></script>',
        '<script id="data" type="application/json">{"a": 1}</script>',
        '<div class="d-none" data-style="x" data-onclick="y">x</div>',
        '<a href="/halls/">x</a>',
    ],
)
def test_the_checker_lets_external_scripts_and_json_data_through(html):
    assert csp_violations(html) == []


def test_the_template_check_sees_attributes_behind_template_tags():
    assert template_csp_violations('<li {% if a %}style="x"{% endif %}>y</li>')
    assert template_csp_violations("{# <script>ok()</script> #}<p>{{ value }}</p>") == []
    assert template_csp_violations('{{ data|json_script:"chart-data" }}') == []


# --- every template, as source ---------------------------------------------------------------


@pytest.mark.parametrize("path", TEMPLATES, ids=[str(p.relative_to(ROOT / "templates")) for p in TEMPLATES])
def test_no_template_holds_inline_script_style_or_handlers(path):
    assert template_csp_violations(path.read_text(encoding="utf-8")) == []


# --- every page, rendered --------------------------------------------------------------------


def _patterns(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            nested = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, nested)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _page_urls(world, samples) -> tuple[list[str], list[str]]:
    samples = sample_url_kwargs(world, samples)
    urls, missing = [], []
    for name, pattern in _patterns(get_resolver()):
        if name.startswith("admin:"):
            continue  # the admin is covered model by model below
        if pattern.pattern.converters or pattern.pattern.regex.groups:
            if name not in samples:
                missing.append(name)
                continue
            urls.append(reverse(name, kwargs=samples[name]))
        else:
            urls.append(reverse(name))
    return urls, missing


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    return urls


@pytest.fixture
def samples(world):
    return samples_build(world)


def _render_and_check(client, urls: list[str]) -> dict[str, list[str]]:
    problems, rendered = {}, 0
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code in (403, 404, 405) or "text/html" not in response.get("Content-Type", ""):
            continue
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        rendered += 1
        found = csp_violations(response.content.decode())
        if found:
            problems[url] = found
    assert rendered, "no page was rendered: the URL walk is broken"
    return problems


@pytest.mark.django_db
def test_every_page_in_the_urlconf_is_named_with_sample_ids_when_it_takes_arguments(world, samples):
    _urls, missing = _page_urls(world, samples)
    assert missing == [], f"add sample kwargs for {missing} in tests/security/test_csp.py::_sample_kwargs"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["hq", "city_a", "district_a", "manager_a1", "anonymous"])
def test_every_page_renders_without_inline_script_or_style(client, world, samples, who):
    if who == "city_a":
        client.force_login(sample_city_managers(world)[0])
    elif who != "anonymous":
        client.force_login(getattr(world, who))
    urls, _missing = _page_urls(world, samples)
    assert _render_and_check(client, urls) == {}


@pytest.mark.django_db
def test_every_admin_page_renders_without_inline_script_or_style(client, world, samples):
    from scoring.services import default_policy_load

    default_policy_load()
    world.hq.is_staff = world.hq.is_superuser = True
    world.hq.save()
    client.force_login(world.hq)
    assert _render_and_check(client, _admin_urls()) == {}


@pytest.mark.django_db
def test_the_lockout_page_has_no_inline_script_or_style(client, settings):
    from tests.factories import UserFactory

    UserFactory(username="zhang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "zhang", "password": "wrong"})
    assert response.status_code == 429
    assert csp_violations(response.content.decode()) == []


@pytest.mark.django_db
def test_pages_carry_the_security_headers_and_a_strict_policy(client, world):
    responses = [client.get(reverse("login"))]
    client.force_login(world.hq)
    responses += [client.get(reverse("halls:list")), client.get(reverse("halls:detail", args=[world.hall_a1.pk]))]
    for response in responses:
        url = response.request["PATH_INFO"]
        assert response.status_code == 200, url
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        policy = dict(
            part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip()
        )
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]
