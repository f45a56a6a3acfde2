"""Pages of published months served from the cache (scoring.selectors.page_cache): the hall archive's figures and
the ranking page's content are rendered once per run, viewer scope, query and language, then read from the
cache; drafts, what changes after publication and each user's own bits (name, unread count, CSRF token) are
rendered for each request.

The months are :func:`tests.reports.factories.gradings_build`'s: May and June published, July a draft under
review. Hall a1's June composite is 92.50 (city rank 1); in the July draft it is 60.00.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from halls.models import Staff, UserProfile
from incentives.models import BonusSplit, SplitState
from inspections.models import RectificationState
from inspections.services.appeals import appeal_decide, appeal_file
from inspections.services.rectification import rectification_fix
from scoring.models import GradingRun, HallMonthResult, RunState
from scoring.services import month_publish
from scoring.views import archive as archive_views
from scoring.views import reports as report_views
from surveys.models import CareState, Complaint, ComplaintCare, RepairState
from surveys.services.care import complaint_care_update
from surveys.services.repair import repair_case_update
from tests.factories import StaffFactory, d, hall_manager
from tests.incentives.factories import hall_bonus_split
from tests.reports.factories import JULY, JUNE, gradings_build, inspection_submit, rectification, repair_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def gradings(world):
    return gradings_build(world)


@pytest.fixture
def renders(monkeypatch):
    """How often each view computed what its cached part is drawn from (the archive, the ranking page)."""
    calls = {"archive": 0, "ranking": 0}

    def counting(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(archive_views, "hall_archive", counting("archive", archive_views.hall_archive))
    monkeypatch.setattr(report_views, "ranking_page", counting("ranking", report_views.ranking_page))
    return calls


def _get(client, user, url, **params):
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _archive(client, user, hall, **params) -> str:
    return _get(client, user, reverse("halls:detail", args=[hall.pk]), **params)


def _ranking(client, user, **params) -> str:
    return _get(client, user, reverse("scoring:ranking"), **params)


def _regrade_june(gradings, *, hall, composite: str) -> GradingRun:
    """June graded again (revision 2) with ``hall`` at ``composite``, and published: revision 1 is superseded."""
    revision = GradingRun.objects.create(
        month=JUNE, revision=2, state=RunState.DRAFT, policy=gradings.june.policy, finished_at=gradings.june.finished_at
    )
    rows = list(HallMonthResult.objects.filter(run=gradings.june))
    for row in rows:
        row.pk, row.run = None, revision
        if row.hall_id == hall.pk:
            row.composite = d(composite)
    HallMonthResult.objects.bulk_create(rows)
    return month_publish(month=JUNE)


def test_a_published_archive_is_rendered_once_then_read_from_the_cache(client, world, gradings, renders):
    with CaptureQueriesContext(connection) as first:
        html = _archive(client, world.manager_a1, world.hall_a1)
    with CaptureQueriesContext(connection) as again:
        cached = _archive(client, world.manager_a1, world.hall_a1)
    assert renders["archive"] == 1  # the second page did not compute the archive at all
    assert 'id="archive-composite">92.50<' in html and 'id="archive-composite">92.50<' in cached
    assert len(again) < len(first)
    # Neither the results, the city figures nor the satisfaction and activity panels were read again.
    read_again = " ".join(q["sql"] for q in again.captured_queries)
    for table in ("scoring_hallmonthresult", "scoring_citydimensionfigure", "surveys_activityparticipation"):
        assert table not in read_again


def test_a_published_ranking_page_is_rendered_once_then_read_from_the_cache(client, world, gradings, renders):
    first = _ranking(client, world.hq, month="2026-06")
    with CaptureQueriesContext(connection) as again:
        cached = _ranking(client, world.hq, month="2026-06")
    assert renders["ranking"] == 1
    assert cached.count("92.50") == first.count("92.50") >= 1
    # What is left is the request's own (session, user and profile, unread count) and the runs, which name the
    # key: neither the results nor the filter's cities and districts.
    assert len(again) <= 5
    read_again = " ".join(q["sql"] for q in again.captured_queries)
    assert "scoring_hallmonthresult" not in read_again and "halls_districtcompany" not in read_again


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-06", "city": "999999"},  # not a city of the viewer's: the filter shows an error
        {"month": "2026-06", "kind": "kiosk"},
        {"month": "2026-06", "utm": "mail"},  # not a parameter of the form: a key of the client's making
        {"month": "2026-06", "page": "1000000"},
        {"month": "1999-01"},  # a month the viewer cannot see
    ],
    ids=["foreign-city", "unknown-kind", "foreign-parameter", "long-page-number", "unseen-month"],
)
def test_a_ranking_query_in_error_or_of_the_clients_making_is_rendered_each_time(
    client, world, gradings, renders, params
):
    _ranking(client, world.hq, **params)
    _ranking(client, world.hq, **params)
    assert renders["ranking"] == 2


def test_a_month_added_to_the_picker_renews_a_cached_ranking_page(client, world, gradings, renders):
    assert "2026-08" not in _ranking(client, world.hq, month="2026-06")
    GradingRun.objects.create(
        month=dt.date(2026, 8, 1), revision=1, state=RunState.DRAFT, policy=gradings.june.policy,
        finished_at=timezone.now(),
    )  # fmt: skip
    assert "2026-08" in _ranking(client, world.hq, month="2026-06")
    assert renders["ranking"] == 2


def test_a_draft_month_stays_live(client, world, gradings, renders):
    _archive(client, world.hq, world.hall_a1, month="2026-07")
    _ranking(client, world.hq, month="2026-07")
    # The draft regraded in place: new figures, a new finishing time.
    HallMonthResult.objects.filter(run=gradings.july_draft, hall=world.hall_a1).update(composite=d("61.00"))
    GradingRun.objects.filter(pk=gradings.july_draft.pk).update(finished_at=timezone.now())
    html = _archive(client, world.hq, world.hall_a1, month="2026-07")
    _ranking(client, world.hq, month="2026-07")
    assert renders == {"archive": 2, "ranking": 2}
    assert 'id="archive-composite">61.00<' in html


def test_regrading_a_published_month_makes_a_new_key_and_the_new_figures_show(client, world, gradings):
    assert 'id="archive-composite">92.50<' in _archive(client, world.manager_a1, world.hall_a1)
    assert "92.50" in _ranking(client, world.hq, month="2026-06")
    _regrade_june(gradings, hall=world.hall_a1, composite="93.75")
    html = _archive(client, world.manager_a1, world.hall_a1)
    assert 'id="archive-composite">93.75<' in html
    ranking = _ranking(client, world.hq, month="2026-06")
    assert "93.75" in ranking and "92.50" not in ranking


def test_publishing_the_draft_turns_the_live_page_into_a_cached_one(client, world, gradings, renders):
    _archive(client, world.hq, world.hall_a1, month="2026-07")
    _archive(client, world.hq, world.hall_a1, month="2026-07")
    assert renders["archive"] == 2  # the draft: computed for each request
    month_publish(month=JULY)
    first = _archive(client, world.manager_a1, world.hall_a1)  # the hall manager now sees July
    again = _archive(client, world.manager_a1, world.hall_a1)
    assert renders["archive"] == 3
    assert 'id="archive-composite">60.00<' in first and 'id="archive-composite">60.00<' in again
    assert "尚待审核发布" not in again


def test_a_rectification_answered_shows_on_the_cached_archive_at_once(client, world, gradings, renders):
    inspection = inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.2": 4})
    item = rectification(inspection=inspection, code="S1.2", due=JUNE.replace(day=20))
    before = _archive(client, world.manager_a1, world.hall_a1)
    assert "期限 2026-06-20" in before  # outstanding
    rectification_fix(rectification_id=item.pk, user=world.manager_a1, note="已更换")
    after = _archive(client, world.manager_a1, world.hall_a1)
    assert renders["archive"] == 1  # the figures came from the cache
    assert "期限 2026-06-20" not in after  # no longer outstanding
    assert str(RectificationState.FIXED.label) in after  # the panel shows the answer


def test_an_appeal_filed_reaches_hq_on_a_page_whose_figures_are_cached(client, world, gradings, renders):
    _archive(client, world.hq, world.hall_a1, month="2026-06")
    assert 'id="nav-unread"' not in _archive(client, world.hq, world.hall_a1, month="2026-06")
    inspection = inspection_submit(hall=world.hall_a1, month=JULY, points={"S1.2": 4})
    appeal_file(
        user=world.manager_a1,
        item=inspection.items.get(indicator__code="S1.2"),
        reason="顾客已离开",
        requested_points=d(5),
    )
    html = _archive(client, world.hq, world.hall_a1, month="2026-06")
    assert renders["archive"] == 1
    assert 'id="nav-unread">1<' in html  # HQ's notification of the new appeal


def test_each_language_has_its_own_page(client, world, gradings):
    chinese = _archive(client, world.manager_a1, world.hall_a1)
    UserProfile.objects.filter(user=world.manager_a1).update(language="en")
    english = _archive(client, world.manager_a1, world.hall_a1)
    UserProfile.objects.filter(user=world.manager_a1).update(language="zh-hans")
    again = _archive(client, world.manager_a1, world.hall_a1)
    assert "服务档案" in chinese and "综合得分怎么来的" in chinese
    assert "综合得分怎么来的" not in english and "Service archive" in english
    assert "综合得分怎么来的" in again
    UserProfile.objects.filter(user=world.hq).update(language="en")
    ranking_en = _ranking(client, world.hq, month="2026-06")
    UserProfile.objects.filter(user=world.hq).update(language="zh-hans")
    ranking_zh = _ranking(client, world.hq, month="2026-06")
    assert '<h1 class="h4 mb-0">Hall rankings' in ranking_en
    assert '<h1 class="h4 mb-0">营业厅排名' in ranking_zh


def test_viewers_of_different_scope_never_see_each_others_page(client, world, gradings):
    history = reverse("halls:history", args=[world.hall_a1.pk])
    assert history in _archive(client, world.hq, world.hall_a1, month="2026-06")  # HQ's link to the changes
    assert history not in _archive(client, world.manager_a1, world.hall_a1, month="2026-06")
    assert history not in _archive(client, world.district_a, world.hall_a1, month="2026-06")
    assert history in _archive(client, world.hq, world.hall_a1, month="2026-06")
    # The rankings highlight the viewer's own halls: a1 for its manager, none for HQ.
    mine = _ranking(client, world.manager_a1, month="2026-06")
    hq = _ranking(client, world.hq, month="2026-06")
    assert mine.count('class="own-hall"') == 1 and 'class="own-hall"' not in hq


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_each_user_gets_his_own_name_and_csrf_token_around_the_cached_figures(world, gradings, renders):
    """Two managers of hall a1 share the scope, so the second is served the first one's cached figures."""
    world.manager_a1.first_name, world.manager_a1.last_name = "", "张三"
    world.manager_a1.save()
    deputy = hall_manager(world.hall_a1, username="hm_a1_deputy", first_name="", last_name="李四")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one = _archive(first, world.manager_a1, world.hall_a1)
    page_two = _archive(second, deputy, world.hall_a1)
    assert renders["archive"] == 1
    assert "张三" in page_one and "李四" not in page_one
    assert "李四" in page_two and "张三" not in page_two
    # The deputy's language form posts with his page's token against his own cookie...
    response = second.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": _csrf_token(page_two)}
    )
    assert response.status_code == 302
    # ...and a token from the other user's page does not pass his cookie.
    response = second.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": _csrf_token(page_one)}
    )
    assert response.status_code == 403


def _included(name: str) -> set[str]:
    from django.template.loader import get_template

    source = get_template(name).template.source
    names = set(re.findall(r'{%\s*include\s+"([^"]+)"', source))
    return names.union(*(_included(child) for child in names)) if names else set()


def test_every_template_rendered_into_a_cached_fragment_is_in_the_keys_template_digest():
    """A release that changes one of them must not serve fragments rendered by the old one."""
    from scoring.selectors.page_cache import CACHED_TEMPLATES

    fragments = {"halls/hall_detail.html", "halls/_archive_page.html", "scoring/_ranking_content.html"}
    fragments |= {"scoring/_hall_satisfaction.html", "scoring/_hall_activity.html"}
    # The archive's live panels, rendered by inclusion tags (which _included does not follow).
    fragments |= {"inspections/_hall_panel.html", "surveys/_hall_evidence.html", "incentives/_hall_bonus_panel.html"}
    for name in list(fragments):
        fragments |= _included(name)
    assert fragments <= set(CACHED_TEMPLATES)


# --- The whole archive content, under the hall's version ------------------------------------------------------


@pytest.fixture
def panels(monkeypatch):
    """How often the archive's live panels were rendered: the outstanding rectifications and repair cases, the
    inspections panel, the mystery visits / repair cases / complaints panel, the bonus panel."""
    from incentives.templatetags import incentives_tags
    from inspections.templatetags import inspections_tags
    from surveys.templatetags import surveys_tags

    calls = {"outstanding": 0, "inspections": 0, "evidence": 0, "bonus": 0}

    def counting(name, module, attribute):
        function = getattr(module, attribute)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        monkeypatch.setattr(module, attribute, wrapper)

    counting("outstanding", archive_views, "hall_outstanding")
    counting("inspections", inspections_tags, "inspection_list")
    counting("evidence", surveys_tags, "mystery_visit_list")
    counting("bonus", incentives_tags, "hall_bonus_latest")
    return calls


LIVE_TABLES = ("inspections_", "surveys_repaircase", "surveys_complaint", "incentives_", "halls_staff")


def test_a_warm_archive_makes_six_queries_at_most_and_renders_no_panel(client, world, gradings, panels):
    _archive(client, world.manager_a1, world.hall_a1)
    assert panels == {"outstanding": 1, "inspections": 1, "evidence": 1, "bonus": 1}
    with CaptureQueriesContext(connection) as warm:
        html = _archive(client, world.manager_a1, world.hall_a1)
    assert panels == {"outstanding": 1, "inspections": 1, "evidence": 1, "bonus": 1}
    assert 'id="archive-composite">92.50<' in html and 'id="hall-quality"' in html
    # Session, user, profile; the hall with its version; the runs; the survey responses' stamp.
    assert len(warm) <= 6, [q["sql"][:150] for q in warm.captured_queries]
    read = " ".join(q["sql"] for q in warm.captured_queries)
    assert not [table for table in LIVE_TABLES if table in read]


def _rerendered(client, user, hall, panels, change) -> str:
    """The archive of June (published), warm; ``change()``; the archive again: its live panels rendered anew
    (the version moved)."""
    _archive(client, user, hall, month="2026-06")
    before = dict(panels)
    _archive(client, user, hall, month="2026-06")
    assert panels == before, "the page is not served from the cache"
    change()
    html = _archive(client, user, hall, month="2026-06")
    assert panels["inspections"] == before["inspections"] + 1, "the page was served from the cache"
    return html


def test_a_new_inspection_submitted_shows_at_once(client, world, gradings, panels, renders):
    inspection = {}

    def submit():
        inspection["row"] = inspection_submit(hall=world.hall_a1, month=JULY, points={"S1.2": 4})

    html = _rerendered(client, world.manager_a1, world.hall_a1, panels, submit)
    assert reverse("inspections:detail", args=[inspection["row"].pk]) in html
    assert renders["archive"] == 1  # the frozen figures kept their own fragment


def test_a_repair_case_followed_up_shows_at_once(client, world, gradings, panels):
    case = repair_case(hall=world.hall_a1)

    def follow_up():
        repair_case_update(case_id=case.pk, user=world.manager_a1, state=RepairState.CONTACTED, follow_up="已致电客户")

    assert "已致电客户" in _rerendered(client, world.manager_a1, world.hall_a1, panels, follow_up)


def test_a_complaint_callback_renders_the_page_anew(client, world, gradings, panels):
    complaint = Complaint.objects.create(
        external_id="C-1", hall=world.hall_a1, received_at=timezone.now(), month=JULY, category="服务", channel="10000"
    )
    care = ComplaintCare.objects.create(complaint=complaint, hall=world.hall_a1)

    def call_back():
        complaint_care_update(care_id=care.pk, user=world.manager_a1, state=CareState.SATISFIED, outcome="认可")

    _rerendered(client, world.manager_a1, world.hall_a1, panels, call_back)


def test_an_appeal_filed_then_decided_shows_the_new_score_at_once(client, world, gradings, panels):
    inspection = inspection_submit(hall=world.hall_a1, month=JULY, points={"S1.2": 4})
    item = inspection.items.get(indicator__code="S1.2")
    appeal = {}

    def file():
        appeal["row"] = appeal_file(user=world.manager_a1, item=item, reason="顾客已离开", requested_points=d(5))

    _rerendered(client, world.hq, world.hall_a1, panels, file)

    def decide():
        appeal_decide(
            user=world.hq, appeal_id=appeal["row"].pk, lock_version=0, uphold=True, decided_points=d(5), note="属实"
        )

    old_score = inspection.score
    html = _rerendered(client, world.hq, world.hall_a1, panels, decide)
    inspection.refresh_from_db()
    assert inspection.score != old_score
    assert f'<td class="text-end">{inspection.score}</td>' in html


def test_a_bonus_split_approved_by_a_queryset_update_shows_at_once(client, world, gradings, panels):
    split = hall_bonus_split(world.hall_a1, run=gradings.june)

    def approve():  # not through the service: a plain UPDATE, which no signal or save() sees
        BonusSplit.objects.filter(pk=split.pk).update(state=SplitState.APPROVED, approved_at=timezone.now())

    assert "¥100.00" not in _archive(client, world.manager_a1, world.hall_a1)
    assert "¥100.00" in _rerendered(client, world.manager_a1, world.hall_a1, panels, approve)


def test_a_staff_change_by_a_queryset_update_shows_at_once(client, world, gradings, panels):
    clerk = StaffFactory(hall=world.hall_a1, name="王五")

    def rename():
        Staff.objects.filter(pk=clerk.pk).update(name="王五六")

    assert "王五六" in _rerendered(client, world.manager_a1, world.hall_a1, panels, rename)


def test_a_write_to_another_hall_leaves_the_page_in_the_cache(client, world, gradings, panels):
    _archive(client, world.manager_a1, world.hall_a1)
    StaffFactory(hall=world.hall_a2)
    inspection_submit(hall=world.hall_b1, month=JULY)
    _archive(client, world.manager_a1, world.hall_a1)
    assert panels["inspections"] == 1


def test_the_page_is_rendered_anew_each_day_since_overdue_is_against_today(client, world, gradings, panels):
    inspection = inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.2": 4})
    rectification(inspection=inspection, code="S1.2", due=dt.date(2026, 8, 10))
    with time_machine.travel(dt.datetime(2026, 8, 10, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        due_today = _archive(client, world.manager_a1, world.hall_a1)
    with time_machine.travel(dt.datetime(2026, 8, 11, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        overdue = _archive(client, world.manager_a1, world.hall_a1)
    assert '<span class="text-muted">期限 2026-08-10' in due_today
    assert '<span class="text-danger">期限 2026-08-10' in overdue
