"""Who may open what: every URL pattern in the URLconf, requested with real ids as nine kinds of user.

The expectation table below has one line per URL name; a pattern without a line fails
:func:`test_every_url_in_the_urlconf_has_a_line_in_the_matrix`, so a page merged later cannot slip by
unchecked. The ids come from tests/samples.py (all in district A / hall a1), so "another hall" and
"another district" mean a user whose scope excludes the object, not an object that does not exist.

Columns (one token each):
    anonymous · staff without role · hall manager of a2 · hall manager of a1 · district manager of B ·
    district manager of A · city manager (地市客服) of another city · city manager of A's city · HQ

Tokens: ``200`` the page (or file), ``login`` a 302 to the login page, ``302`` a redirect elsewhere (the
user's home, a submitted inspection's detail), ``403`` wrong role, ``404`` outside the user's scope,
``405`` a POST-only endpoint asked with GET.

Every refusal (login, 403, 404) is also tried as a POST carrying a valid payload for that form (see
``POST_DATA``): it must be refused as well, and the database must be exactly as it was.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.urls import get_resolver, reverse
from django.utils import timezone

from halls.models import Role
from incentives.models import SplitState
from inspections.models import Inspection
from inspections.services.entry import inspection_start
from scoring.models import GradingRun, RunState
from tests.factories import hall_manager
from tests.inspections.factories import image_upload
from tests.samples import sample_city_managers, sample_url_kwargs, samples_build
from tests.security.test_csp import _patterns

ROLES = (
    "anonymous", "no_role", "other_hall", "hall", "other_district", "district", "other_city", "city", "hq"
)  # fmt: skip

# fmt: off
MATRIX: dict[str, str] = {
    #                                   anon  none  other hall  othD  dist  othC  city  hq
    "home":                            "login 403   302   302   302   302   302   302   302",
    "login":                           "200   302   302   302   302   302   302   302   302",
    "logout":                          "405   405   405   405   405   405   405   405   405",
    "health":                          "200   200   200   200   200   200   200   200   200",
    # Served to everyone: the service worker and the manifest hold no data.
    "service_worker":                  "200   200   200   200   200   200   200   200   200",
    "manifest":                        "200   200   200   200   200   200   200   200   200",
    "set_language":                    "302   302   302   302   302   302   302   302   302",
    "halls:list":                      "login 403   200   200   200   200   200   200   200",
    "halls:detail":                    "login 403   404   200   404   200   404   200   200",
    "halls:history":                   "login 403   403   403   403   403   403   403   200",
    # A clerk's archive: his hall's manager and the managers above it; rankings: each reader's own halls' rows.
    "halls:staff_detail":              "login 403   404   200   404   200   404   200   200",
    "halls:staff_ranking":             "login 403   200   200   200   200   200   200   200",
    "halls:staff_bottom":              "login 403   200   200   200   200   200   200   200",
    "halls:archive_xlsx":              "login 403   404   200   404   200   404   200   200",
    "halls:archive_pdf":               "login 403   404   200   404   200   404   200   200",
    "inspections:scheme_list":         "login 403   200   200   200   200   200   200   200",
    "inspections:scheme_detail":       "login 403   200   200   200   200   200   200   200",
    # The tree editor and check templates: HQ's alone (the read-only tree above is everyone's).
    "inspections:scheme_copy":         "login 403   403   403   403   403   403   403   200",
    "inspections:scheme_edit":         "login 403   403   403   403   403   403   403   200",
    "inspections:scheme_activate":     "login 403   403   403   403   403   403   403   405",
    "inspections:indicator_create":    "login 403   403   403   403   403   403   403   200",
    "inspections:indicator_update":    "login 403   403   403   403   403   403   403   200",
    "inspections:indicator_move":      "login 403   403   403   403   403   403   403   405",
    "inspections:indicator_delete":    "login 403   403   403   403   403   403   403   405",
    "inspections:template_create":     "login 403   403   403   403   403   403   403   200",
    "inspections:template_update":     "login 403   403   403   403   403   403   403   200",
    "inspections:template_delete":     "login 403   403   403   403   403   403   403   405",
    "inspections:list":                "login 403   200   200   200   200   200   200   200",
    "inspections:start":               "login 403   403   403   404   200   404   200   403",
    "inspections:detail":              "login 403   404   200   404   200   404   200   200",
    "inspections:edit":                "login 403   403   403   404   200   404   200   403",
    # The entry page's JSON endpoints take POST only.
    "inspections:autosave":            "login 403   403   403   404   405   404   405   403",
    "inspections:photo_upload":        "login 403   403   403   404   405   404   405   403",
    "inspections:photo":               "login 403   404   200   404   200   404   200   200",
    "inspections:rectification_list":  "login 403   200   200   200   200   200   200   200",
    "inspections:rectification_detail":"login 403   404   200   404   200   404   200   200",
    "inspections:appeal_create":       "login 403   404   200   403   403   403   403   403",
    "inspections:appeal_list":         "login 403   200   200   200   200   200   200   200",
    "inspections:appeal_detail":       "login 403   404   200   404   200   404   200   200",
    "inspections:coaching_list":       "login 403   404   200   404   200   404   200   200",
    "inspections:notification_list":   "login 403   200   200   200   200   200   200   200",
    "inspections:plan_list":           "login 403   403   403   200   200   200   200   200",
    "inspections:plan_detail":         "login 403   403   403   404   200   404   200   200",
    # Compliance of the plans is for HQ and the city companies, not the districts that keep them.
    "inspections:plan_compliance":     "login 403   403   403   403   403   200   200   200",
    "scoring:ranking":                 "login 403   200   200   200   200   200   200   200",
    "scoring:ranking_export":          "login 403   200   200   200   200   200   200   200",
    "scoring:dashboard":               "login 403   403   403   403   403   403   403   200",
    "scoring:district_home":           "login 403   403   403   200   200   200   200   403",
    # Every role, each over its own halls.
    "scoring:complaint_analysis":      "login 403   200   200   200   200   200   200   200",
    # A city's driver analysis: HQ any city, a city company its own (another city's id falls back to its own).
    "scoring:satisfaction_drivers":    "login 403   403   403   403   403   200   200   200",
    "scoring:policy_list":             "login 403   403   403   403   403   403   403   200",
    "scoring:policy_update":           "login 403   403   403   403   403   403   403   200",
    "scoring:grading":                 "login 403   403   403   403   403   403   403   200",
    "scoring:run_detail":              "login 403   403   403   403   403   403   403   200",
    "scoring:run_progress":            "login 403   403   403   403   403   403   403   200",
    "scoring:run_publish":             "login 403   403   403   403   403   403   403   200",
    "scoring:run_export":              "login 403   403   403   403   403   403   403   200",
    # Bulletins: district and city managers see their scope's, HQ all; hall managers none.
    "scoring:bulletin_list":           "login 403   403   403   200   200   200   200   200",
    "scoring:bulletin_download":       "login 403   403   403   404   200   404   200   200",
    "surveys:import_list":             "login 403   403   403   403   403   403   403   200",
    # Without ?kind= there is no template to give (the page links each kind).
    "surveys:import_template":         "login 403   403   403   403   403   403   403   404",
    "surveys:import_detail":           "login 403   403   403   403   403   403   403   200",
    "surveys:import_status":           "login 403   403   403   403   403   403   403   200",
    "surveys:import_file":             "login 403   403   403   403   403   403   403   200",
    "surveys:import_errors":           "login 403   403   403   403   403   403   403   200",
    "surveys:response_create":         "login 403   403   403   403   403   403   403   200",
    "surveys:repair_list":             "login 403   200   200   200   200   200   200   200",
    # Only a hall manager follows up his customers; other roles are refused before scope is looked at.
    "surveys:repair_update":           "login 403   404   200   403   403   403   403   403",
    "surveys:care_list":               "login 403   200   200   200   200   200   200   200",
    # The caller is the manager of the complaint's hall; other roles are refused before scope is looked at.
    "surveys:care_update":             "login 403   404   200   403   403   403   403   403",
    "surveys:visit_detail":            "login 403   404   200   404   200   404   200   200",
    "incentives:pool_list":            "login 403   403   403   403   403   403   403   200",
    "incentives:split_list":           "login 403   200   200   200   200   200   200   200",
    "incentives:split_run":            "login 403   403   403   403   403   403   403   200",
    # A draft split is HQ's alone; once approved its halls see it (test below).
    "incentives:split_detail":         "login 403   404   404   404   404   404   404   200",
    "incentives:split_staff":          "login 403   403   403   403   403   403   403   200",
    "incentives:split_approve":        "login 403   403   403   403   403   403   403   405",
    "incentives:split_export":         "login 403   403   403   403   403   403   403   200",
    "incentives:hall_bonus_detail":    "login 403   404   404   404   404   404   404   200",
}
# fmt: on

# Files, not pages: their content type is checked where they answer 200.
FILES = {
    "scoring:ranking_export": "spreadsheetml",
    "scoring:run_export": "text/csv",
    "scoring:bulletin_download": "application/pdf",
    "halls:archive_xlsx": "spreadsheetml",
    "halls:archive_pdf": "application/pdf",
    "incentives:split_export": "spreadsheetml",
    "inspections:photo": "image/",
}


def post_data(world, samples) -> dict[str, dict]:
    """A payload each form would accept from a permitted user, so a refusal that failed would write."""
    return {
        "inspections:start": {"kind": "remote", "inspected_at": "2026-03-12 10:00"},
        "inspections:scheme_copy": {"name": "越权复制", "effective_from": "2026-07"},
        "inspections:scheme_edit": {"name": "越权改名", "effective_from": "2026-07"},
        "inspections:indicator_create": {
            "code": "BON9",
            "name_zh": "越权加分",
            "name_en": "Bonus",
            "kind": "bonus",
            "points": "1",
        },
        "inspections:indicator_update": {
            "parent": samples.draft_scheme.indicators.get(code="SN1").pk,
            "code": "SN1.1",
            "name_zh": "越权改名",
            "name_en": "Hair",
            "kind": "scored",
            "points": "3",
        },
        "inspections:indicator_move": {"direction": "down"},
        "inspections:template_create": {
            "code": "SPEC",
            "name_zh": "越权模板",
            "name_en": "Topic",
            "indicators": [samples.draft_scheme.indicators.get(code="SN1.1").pk],
        },
        "inspections:template_update": {
            "code": "QUEUE",
            "name_zh": "越权改名",
            "name_en": "Queue",
            "indicators": [samples.draft_scheme.indicators.get(code="QU1.1").pk],
        },
        "inspections:edit": {"lock_version": 0, "note": "越权修改"},
        "inspections:autosave": {"lock_version": 0, "note": "越权修改"},
        "inspections:photo_upload": {
            "indicator": samples.item.indicator_id,
            "client_key": "6f1f7c2e-1b8a-4a55-9a53-3f7d0c1e2b4a",
            "photo": image_upload("越权.jpg"),
        },
        "inspections:rectification_detail": {"fix_note": "已整改", "decision": "verify", "review_note": "通过"},
        "inspections:appeal_create": {"requested_points": "3", "reason": "越权申诉"},
        "inspections:appeal_detail": {
            "lock_version": 0,
            "decision": "uphold",
            "decided_points": "3",
            "decision_note": "越权裁定",
        },
        "inspections:coaching_list": {"kind": "plan", "visit_date": "2026-03-15", "content": "越权辅导"},
        "inspections:notification_list": {},
        "inspections:plan_detail": {
            "line": samples.plan.lines.first().pk,
            "inspector": world.district_a.pk,
            "due_date": "2026-03-20",
        },
        "scoring:policy_list": {"effective_from": "2026-06"},
        "scoring:policy_update": {"lock_version": samples.policy.lock_version, "activate": "1"},
        "scoring:grading": {"month": "2026-04"},
        "scoring:bulletin_list": {"month": "2026-02"},
        "incentives:pool_list": {
            "marketing_unit": world.hall_a1.marketing_unit_id,
            "month": "2026-04",
            "amount": "100.00",
        },
        "incentives:split_run": {"month": "2026-02", "reason": "越权重算"},
        "surveys:care_update": {"state": "satisfied", "outcome": "越权回访"},
    }


UNCHANGING_MODELS_EXCLUDED = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}


def database_fingerprint() -> dict[str, list]:
    """Every row of every model (sessions and login-throttling bookkeeping aside)."""
    rows = {}
    for model in apps.get_models():
        if model._meta.label_lower in UNCHANGING_MODELS_EXCLUDED:
            continue
        rows[model._meta.label_lower] = sorted(model._default_manager.order_by().values_list(), key=repr)
    return rows


def _expected(name: str) -> dict[str, str]:
    tokens = MATRIX[name].split()
    assert len(tokens) == len(ROLES), f"{name}: {len(tokens)} tokens for {len(ROLES)} roles"
    return dict(zip(ROLES, tokens, strict=True))


def _outcome(response) -> str:
    if response.status_code == 302:
        return "login" if response["Location"].startswith(reverse("login")) else "302"
    return str(response.status_code)


@pytest.fixture
def users(world) -> dict:
    city_manager_a, other_city_manager = sample_city_managers(world)
    return {
        "anonymous": None,
        "no_role": world.no_role,
        "other_hall": hall_manager(world.hall_a2, username="hm_a2"),
        "hall": world.manager_a1,
        "other_district": world.district_b,
        "district": world.district_a,
        "other_city": other_city_manager,
        "city": city_manager_a,
        "hq": world.hq,
    }


@pytest.fixture
def samples(world):
    return samples_build(world)


@pytest.fixture
def url_kwargs(world, samples) -> dict[str, dict]:
    """The samples' ids, with a draft inspection for the edit page (the sample one is submitted)."""
    draft = inspection_start(
        user=world.district_a,
        hall=world.hall_a1,
        kind="remote",
        inspected_at=timezone.make_aware(dt.datetime(2026, 3, 12, 10, 0)),
    )
    return {
        **sample_url_kwargs(world, samples),
        **{name: {"pk": draft.pk} for name in ("inspections:edit", "inspections:autosave", "inspections:photo_upload")},
    }


def _urls(url_kwargs) -> list[tuple[str, str]]:
    urls = []
    for name, pattern in _patterns(get_resolver()):
        if name.startswith("admin:"):
            continue
        takes_arguments = pattern.pattern.converters or pattern.pattern.regex.groups
        urls.append((name, reverse(name, kwargs=url_kwargs[name]) if takes_arguments else reverse(name)))
    return urls


def _as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)


@pytest.mark.django_db
def test_every_url_in_the_urlconf_has_a_line_in_the_matrix():
    names = {name for name, _pattern in _patterns(get_resolver()) if not name.startswith("admin:")}
    assert sorted(names - MATRIX.keys()) == [], "add a line to MATRIX in tests/security/test_access_matrix.py"
    assert sorted(MATRIX.keys() - names) == [], "MATRIX names a URL that is gone"


@pytest.mark.django_db
def test_every_url_answers_each_role_as_the_matrix_says(client, world, users, url_kwargs):
    wrong = []
    for name, url in _urls(url_kwargs):
        for role, expected in _expected(name).items():
            _as(client, users[role])
            response = client.get(url)
            got = _outcome(response)
            if got != expected:
                wrong.append(f"{name} as {role}: expected {expected}, got {got}")
            elif got == "200" and name in FILES:
                assert FILES[name] in response["Content-Type"], (name, role, response["Content-Type"])
    assert wrong == []


@pytest.mark.django_db
def test_every_refused_post_is_refused_and_changes_nothing(client, world, users, samples, url_kwargs):
    payloads = post_data(world, samples)
    wrong = []
    for name, url in _urls(url_kwargs):
        for role, expected in _expected(name).items():
            if expected not in ("login", "403", "404"):
                continue
            _as(client, users[role])
            before = database_fingerprint()
            got = _outcome(client.post(url, payloads.get(name, {})))
            # A view that loads its object only in get() answers 405 to a POST: refused all the same.
            if got not in (expected, "405"):
                wrong.append(f"POST {name} as {role}: expected {expected}, got {got}")
            if database_fingerprint() != before:
                wrong.append(f"POST {name} as {role} changed the database")
    assert wrong == []


@pytest.mark.django_db
def test_a_permitted_post_of_the_same_payload_does_write(client, world, users, samples, url_kwargs):
    """The payloads are real: the same POST from the right user changes the database (so the refusals
    above are refusals, not forms that would have rejected the payload anyway)."""
    payloads = post_data(world, samples)
    writers = {
        "inspections:edit": "district",
        "inspections:autosave": "district",
        "inspections:photo_upload": "district",
        "inspections:appeal_detail": "hq",
        "inspections:coaching_list": "district",
        "inspections:start": "district",
        "inspections:scheme_copy": "hq",
        "inspections:scheme_edit": "hq",
        "inspections:indicator_create": "hq",
        "inspections:indicator_update": "hq",
        "inspections:indicator_move": "hq",
        "inspections:template_create": "hq",
        "inspections:template_update": "hq",
        "inspections:plan_detail": "district",
        "scoring:policy_list": "hq",
        "incentives:pool_list": "hq",
    }
    urls = dict(_urls(url_kwargs))
    for name, role in writers.items():
        _as(client, users[role])
        before = database_fingerprint()
        if name == "inspections:autosave":  # the draft the edit page saved just before: its current version
            draft = Inspection.objects.get(pk=url_kwargs[name]["pk"])
            payloads[name]["lock_version"] = draft.lock_version
        response = client.post(urls[name], payloads[name])
        expected = 201 if name == "inspections:photo_upload" else 200 if name == "inspections:autosave" else 302
        assert response.status_code == expected, (name, response.status_code)
        assert database_fingerprint() != before, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "inspections:start",
        "inspections:edit",
        "inspections:autosave",
        "inspections:photo_upload",
        "inspections:coaching_list",
        "inspections:plan_detail",
    ],
)
def test_the_city_manager_writes_where_the_district_manager_does_in_his_city(
    client, world, users, samples, url_kwargs, name
):
    url = dict(_urls(url_kwargs))[name]
    _as(client, users["city"])
    before = database_fingerprint()
    response = client.post(url, post_data(world, samples)[name])
    expected = {"inspections:autosave": 200, "inspections:photo_upload": 201}.get(name, 302)
    assert response.status_code == expected, response.status_code
    assert database_fingerprint() != before


@pytest.mark.django_db
def test_the_post_only_endpoints_act_for_hq(client, world, users, samples):
    _as(client, users["hq"])
    response = client.post(reverse("scoring:run_publish", kwargs={"pk": samples.run.pk}), {"confirm": "1"})
    assert response.status_code == 302
    assert GradingRun.objects.get(pk=samples.run.pk).state == RunState.PUBLISHED

    response = client.post(reverse("incentives:split_approve", kwargs={"pk": samples.split.pk}))
    assert response.status_code == 302
    samples.split.refresh_from_db()
    assert samples.split.state == SplitState.APPROVED


@pytest.mark.django_db
def test_logout_is_post_only_and_ends_the_session(client, world):
    client.force_login(world.manager_a1)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert _outcome(client.get(reverse("halls:list"))) == "login"


# fmt: off
APPROVED_SPLIT: dict[str, str] = {
    #                                   anon  none  other hall  othD  dist  othC  city  hq
    "incentives:split_detail":         "login 403   200   200   200   200   200   200   200",
    "incentives:hall_bonus_detail":    "login 403   404   200   404   200   404   200   200",
    "incentives:split_staff":          "login 403   403   403   403   403   403   403   200",
    "incentives:split_export":         "login 403   403   403   403   403   403   403   200",
}
# fmt: on


@pytest.mark.django_db
def test_an_approved_split_is_seen_by_everyone_with_a_role_and_each_hall_amount_only_in_scope(
    client, world, users, samples, url_kwargs
):
    from incentives.services import bonus_split_approve

    bonus_split_approve(split_id=samples.split.pk, user=world.hq)
    wrong = []
    for name, row in APPROVED_SPLIT.items():
        url = reverse(name, kwargs=url_kwargs[name])
        for role, expected in zip(ROLES, row.split(), strict=True):
            _as(client, users[role])
            got = _outcome(client.get(url))
            if got != expected:
                wrong.append(f"{name} as {role}: expected {expected}, got {got}")
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_the_admin_sends_everyone_without_staff_status_to_its_login(client, users, role):
    _as(client, users[role])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_the_admin_sends_anonymous_to_its_login_and_admits_staff(client, world):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    world.hq.is_staff = True
    world.hq.save()
    client.force_login(world.hq)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_matrix_rows_name_real_roles():
    assert len(ROLES) == 9
    assert {Role.HQ, Role.CITY_MANAGER, Role.DISTRICT_MANAGER, Role.HALL_MANAGER} == set(Role.values)
    for name in MATRIX:
        _expected(name)
