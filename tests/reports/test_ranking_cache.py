"""The rankings page keeps rendered pieces in the cache (the rows, the movers, the filters, the navigation):
what each viewer is shown must still be his own, in his language, and follow the data at once where the
data can change."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from halls.models import DistrictCompany, Notification
from scoring.models import GradingRun, RunState
from tests.factories import d
from tests.reports.factories import JUNE, HallMonthResultFactory, grading_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """An English request leaves English active in the thread: restore the default for later tests."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _html(client, user, *, language: str = "zh-hans", **params) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("scoring:ranking"), params)
    assert response.status_code == 200
    return response.content.decode()


def _table(html: str) -> str:
    return html[html.index('id="ranking-table"') : html.index("</table>", html.index('id="ranking-table"'))]


def _own_rows(html: str) -> set[str]:
    return set(re.findall(r'<tr class="own-hall" data-hall="([^"]+)"', _table(html)))


def _linked_halls(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/halls/(\d+)/"', _table(html))}


def _composites(html: str) -> dict[str, str]:
    """Hall code → the composite shown in its row."""
    rows = re.findall(r'data-hall="([^"]+)">(.*?)</tr>', _table(html), re.S)
    return {code: re.findall(r'<td class="text-end">([\d.]+)</td>', row)[0] for code, row in rows}


def _selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)" selected>', select)


def test_a_district_managers_highlighted_rows_never_reach_hq_or_another_district_manager(client, world, gradings):
    a1, a2, b1, b2 = world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2
    # District manager A first, so that everything after him could be served his rendered rows.
    first = _html(client, world.district_a, month="2026-06")
    assert _own_rows(first) == {a1.code, a2.code}
    assert _linked_halls(first) == {a1.pk, a2.pk}

    hq = _html(client, world.hq, month="2026-06")
    assert _own_rows(hq) == set()
    assert _linked_halls(hq) == {a1.pk, a2.pk, b1.pk, b2.pk}  # HQ may open every hall

    other = _html(client, world.district_b, month="2026-06")
    assert _own_rows(other) == {b1.code, b2.code}
    assert _linked_halls(other) == {b1.pk, b2.pk}

    hall = _html(client, world.manager_a1, month="2026-06")
    assert _own_rows(hall) == {a1.code}
    assert _linked_halls(hall) == {a1.pk}

    again = _html(client, world.district_a, month="2026-06")  # now from the cache
    assert _own_rows(again) == {a1.code, a2.code}


def test_a_draft_regraded_in_place_shows_its_new_figures_in_the_rendered_rows(client, world, gradings):
    assert _composites(_html(client, world.hq, month="2026-07")) == {world.hall_a1.code: "60.00"}
    world.hall_a1.results.filter(run=gradings.july_draft).update(composite=d("99.00"))
    GradingRun.objects.filter(pk=gradings.july_draft.pk).update(finished_at=timezone.now())
    assert _composites(_html(client, world.hq, month="2026-07")) == {world.hall_a1.code: "99.00"}


def test_a_newly_published_revision_replaces_the_rendered_rows_of_the_one_it_supersedes(client, world, gradings):
    assert _composites(_html(client, world.manager_a1))[world.hall_a1.code] == "92.50"  # June, revision 1
    GradingRun.objects.filter(pk=gradings.june.pk).update(state=RunState.SUPERSEDED)
    revision = grading_run(JUNE, revision=2)
    HallMonthResultFactory(run=revision, hall=world.hall_a1, rank_city=1, city_size=1, composite=d("70.10"))
    assert _composites(_html(client, world.manager_a1)) == {world.hall_a1.code: "70.10"}


def test_the_english_page_is_not_served_the_chinese_rows_movers_or_filters(client, world, gradings):
    chinese = _html(client, world.hq, month="2026-06")
    assert ">正常<" in _table(chinese) and "进步最快" in chinese and '<option value="">全部</option>' in chinese
    english = _html(client, world.hq, language="en", month="2026-06")
    assert ">Normal<" in _table(english) and ">正常<" not in _table(english)
    assert "Most improved" in english and "进步最快" not in english
    assert '<option value="">All</option>' in english and '<option value="">全部</option>' not in english
    assert ">Notifications<" in english and ">通知<" not in english  # the navigation


def test_a_renamed_district_shows_its_new_name_in_the_filter_at_once(client, world, gradings):
    assert "旧区名" not in _html(client, world.hq, month="2026-06")
    DistrictCompany.objects.filter(pk=world.hall_a1.district_id).update(name="新区名")
    html = _html(client, world.hq, month="2026-06")
    assert f'<option value="{world.hall_a1.district_id}">新区名</option>' in html


def test_the_selected_filter_options_follow_the_request_and_not_the_cached_page(client, world, gradings):
    district_a, district_b = world.hall_a1.district_id, world.hall_b1.district_id
    html = _html(client, world.hq, month="2026-06", district=district_a)
    assert _selected(html, "district") == [str(district_a)]
    html = _html(client, world.hq, month="2026-06", district=district_b, kind="partner")
    assert _selected(html, "district") == [str(district_b)]
    assert _selected(html, "kind") == ["partner"]
    assert _selected(html, "month") == ["2026-06"]


def test_a_filter_in_error_shows_its_message_though_the_valid_page_was_cached_before(client, world, gradings):
    valid = _html(client, world.hq, month="2026-06")
    assert "is-invalid" not in valid
    invalid = _html(client, world.hq, month="2026-06", city="999999")
    assert "is-invalid" in invalid and 'class="invalid-feedback"' in invalid
    assert "is-invalid" not in _html(client, world.hq, month="2026-06")


def test_the_unread_count_in_the_navigation_follows_new_and_read_notifications(client, world, gradings):
    assert 'id="nav-unread"' not in _html(client, world.district_a, month="2026-06")
    notification = Notification.objects.create(recipient=world.district_a, title="整改逾期")
    assert '<span class="badge text-bg-danger" id="nav-unread">1</span>' in _html(
        client, world.district_a, month="2026-06"
    )
    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    assert 'id="nav-unread"' not in _html(client, world.district_a, month="2026-06")


def test_each_role_gets_its_own_navigation_after_another_roles_was_cached(client, world, gradings):
    dashboard, district_home = reverse("scoring:dashboard"), reverse("scoring:district_home")
    assert f'href="{dashboard}"' in _html(client, world.hq, month="2026-06")
    html = _html(client, world.district_a, month="2026-06")
    assert f'href="{dashboard}"' not in html and f'href="{district_home}"' in html
    own_archive = reverse("halls:detail", args=[world.hall_a1.pk])
    assert f'<a class="nav-link" href="{own_archive}">' in _html(client, world.manager_a1)
    html = _html(client, world.manager_b1)
    assert f'<a class="nav-link" href="{reverse("halls:detail", args=[world.hall_b1.pk])}">' in html
    assert own_archive not in html
