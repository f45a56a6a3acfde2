"""Generated input never breaks a form: the login form and the hall-list filters answer with a page or a
clear error, never a 500. (Run on SQLite and PostgreSQL, whose errors differ: NUL bytes, huge integers.)"""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from halls.models import HallKind

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a browser, a script or an attacker may send: any code point (NUL and surrogates' neighbours
# included), very long values, numbers as text, SQL and markup.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=140, max_size=400),
    st.sampled_from(["\x00", "a\x00b", "' OR 1=1 --", "<script>alert(1)</script>", "%00", "\u202e", "营业厅"]),
    st.integers().map(str),
    st.just(""),
)


def _encodable(value: str) -> str:
    # The test client cannot encode lone surrogates in a form body; anything else goes.
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@PROPERTY
@given(username=nasty_text, password=nasty_text, remote=st.sampled_from(["10.0.0.1", "10.0.0.2", "::1"]))
def test_the_login_form_never_answers_500(client, world, username, password, remote):
    response = client.post(
        reverse("login"), {"username": _encodable(username), "password": _encodable(password)}, REMOTE_ADDR=remote
    )
    # 200 with the form's error, 429 once this username is locked out at this address; never a login.
    assert response.status_code in (200, 429)
    if response.status_code == 200:
        assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@PROPERTY
@given(
    params=st.dictionaries(
        keys=st.sampled_from(["q", "city", "district", "marketing_unit", "kind", "page", "other"]),
        values=st.one_of(
            nasty_text,
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
            st.sampled_from(HallKind.values),
            st.sampled_from(["1", "2", "last", "0", "-1", "1e9", "NaN", "1.5"]),
        ),
        max_size=6,
    ),
    who=st.sampled_from(["hq", "district_a", "manager_a1"]),
)
def test_the_hall_list_filters_never_answer_500(client, world, params, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("halls:list"), {k: _encodable(v) for k, v in params.items()})
    # A page number past the end or not a number is 404 (Django's paginator); the filters never fail.
    assert response.status_code in (200, 404), response.status_code
    if response.status_code == 200:
        # Whatever the filters say, nobody sees a hall outside his scope.
        in_scope = {
            "hq": {world.hall_a1.pk, world.hall_a2.pk, world.hall_b1.pk, world.hall_b2.pk},
            "district_a": {world.hall_a1.pk, world.hall_a2.pk},
            "manager_a1": {world.hall_a1.pk},
        }[who]
        assert {hall.pk for hall in response.context["object_list"]} <= in_scope
