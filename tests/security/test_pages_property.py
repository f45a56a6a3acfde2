"""Generated values thrown at every form on the pages: never a 500, either a success (a redirect) or the
form back with a clear error, and when refused nothing at all saved (every row of every table compared).

Runs on SQLite and PostgreSQL, whose failures on odd input differ (NUL bytes, huge numbers, long text).
"""

from __future__ import annotations

import pytest
from django.forms import BaseForm
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from scoring.services import default_policy_load
from scoring.services.policy import policy_draft_create
from tests.samples import samples_build
from tests.security.test_access_matrix import database_fingerprint
from tests.security.test_forms_property import PROPERTY, _encodable, nasty_text

pytestmark = pytest.mark.django_db

numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "-1", "1e400", "0.001", "3", "25", "99999999999", "NaN", "1,5", "１２"]),
)
months = st.one_of(
    st.sampled_from(["2026-02", "2026-03", "2026-04", "2026-13", "0000-01", "9999-12", "2026-2", "", "二月"]),
    nasty_text,
)
dates = st.one_of(st.dates().map(str), st.sampled_from(["2026-02-30", "2026-03-15", "", "today"]), nasty_text)
values = st.one_of(nasty_text, numbers)


def _post_checked(client, url: str, data: dict) -> None:
    before = database_fingerprint()
    response = client.post(url, {key: _encodable(value) for key, value in data.items()})
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code != 302:
        form_errors = [
            value.errors
            for context in response.context
            for layer in context.dicts
            for value in layer.values()
            if isinstance(value, BaseForm) and value.is_bound
        ]
        assert any(form_errors), "refused without saying why"
        assert database_fingerprint() == before, "a refused form saved something"


@pytest.fixture
def pages(world):
    samples = samples_build(world)
    base, _ = default_policy_load()
    draft_policy = policy_draft_create(based_on=base, effective_from=samples.policy.effective_from.replace(year=2027))
    from inspections.services.entry import inspection_start

    draft = inspection_start(
        user=world.district_a,
        hall=world.hall_a1,
        kind="remote",
        inspected_at=timezone.now().replace(year=2026, month=3),
    )
    leaves = [leaf.pk for leaf in samples.scheme.indicators.filter(kind="scored", level=3)[:3]]
    return samples, draft_policy, draft, leaves


@PROPERTY
@given(note=values, points=st.lists(values, min_size=3, max_size=3), lock=values, submit=st.booleans())
def test_the_inspection_entry_form(client, world, pages, note, points, lock, submit):
    _samples, _policy, draft, leaves = pages
    client.force_login(world.district_a)
    data = {
        "note": note,
        "lock_version": lock,
        **{f"points_{pk}": value for pk, value in zip(leaves, points, strict=True)},
    }
    if submit:
        data["submit"] = "1"
    _post_checked(client, reverse("inspections:edit", args=[draft.pk]), data)


@PROPERTY
@given(fix_note=values, decision=values, review_note=values, who=st.sampled_from(["manager_a1", "district_a"]))
def test_the_rectification_fix_and_review_forms(client, world, pages, fix_note, decision, review_note, who):
    samples = pages[0]
    client.force_login(getattr(world, who))
    data = {"fix_note": fix_note, "decision": decision, "review_note": review_note}
    _post_checked(client, reverse("inspections:rectification_detail", args=[samples.rectification.pk]), data)


@PROPERTY
@given(requested=values, reason=values)
def test_the_appeal_form(client, world, pages, requested, reason):
    samples = pages[0]
    client.force_login(world.manager_a1)
    data = {"requested_points": requested, "reason": reason}
    _post_checked(client, reverse("inspections:appeal_create", args=[samples.item.pk]), data)


@PROPERTY
@given(lock=values, decision=st.one_of(st.sampled_from(["uphold", "reject"]), values), points=values, note=values)
def test_the_appeal_decision_form(client, world, pages, lock, decision, points, note):
    samples = pages[0]
    client.force_login(world.hq)
    data = {"lock_version": lock, "decision": decision, "decided_points": points, "decision_note": note}
    _post_checked(client, reverse("inspections:appeal_detail", args=[samples.appeal.pk]), data)


@PROPERTY
@given(kind=st.one_of(st.sampled_from(["plan", "report"]), values), visit_date=dates, content=values)
def test_the_coaching_form(client, world, pages, kind, visit_date, content):
    client.force_login(world.district_a)
    data = {"kind": kind, "visit_date": visit_date, "content": content}
    _post_checked(client, reverse("inspections:coaching_list", args=[world.hall_a1.pk]), data)


@PROPERTY
@given(
    changes=st.dictionaries(
        st.sampled_from(["bonus_cap", "veto_cap", "weight_mystery", "ranking_group", "lock_version"]), values
    )
)
def test_the_grading_policy_form(client, world, pages, changes):
    _samples, draft_policy, _draft, _leaves = pages
    url = reverse("scoring:policy_update", args=[draft_policy.pk])
    client.force_login(world.hq)
    form = client.get(url).context["form"]
    data = {name: str(form[name].value()) for name in form.fields if form[name].value() is not None}
    _post_checked(client, url, {**data, **changes})


@PROPERTY
@given(month=months, reason=values)
def test_the_grading_start_form(client, world, pages, month, reason):
    client.force_login(world.hq)
    _post_checked(client, reverse("scoring:grading"), {"month": month, "reason": reason})


@PROPERTY
@given(unit=values, month=months, amount=numbers)
def test_the_bonus_pool_form(client, world, pages, unit, month, amount):
    client.force_login(world.hq)
    data = {"marketing_unit": unit, "month": month, "amount": amount}
    _post_checked(client, reverse("incentives:pool_list"), data)


@PROPERTY
@given(month=months, reason=values)
def test_the_bonus_split_form(client, world, pages, month, reason):
    client.force_login(world.hq)
    _post_checked(client, reverse("incentives:split_run"), {"month": month, "reason": reason})


@pytest.mark.parametrize("text", ["0000-01", "0001-01", "1899-12", "9999-12"])
def test_a_month_outside_the_years_the_product_handles_is_a_clear_error_not_a_crash(text):
    from halls.errors import ApplicationError
    from halls.months import month_parse

    with pytest.raises(ApplicationError, match="月份超出范围"):
        month_parse(text)
