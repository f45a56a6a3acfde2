"""HQ's grading and policy pages: who may open them, starting, watching, publishing, the broker down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from halls.jobs import BROKER_DOWN_MESSAGE, BrokerUnavailable
from scoring.models import GradingPolicy, GradingRun, RunState
from scoring.services import default_policy_load, grade_month, grading_run_start
from scoring.services.policy import policy_draft_create
from tests.scoring.conftest import JAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(world):
    default_policy_load()
    from inspections.services.tree import default_tree_load

    default_tree_load()
    return grade_month(month=JAN)


def _urls(run, policy):
    return [
        reverse("scoring:grading"),
        reverse("scoring:policy_list"),
        reverse("scoring:policy_update", args=[policy.pk]),
        reverse("scoring:run_detail", args=[run.pk]),
        reverse("scoring:run_progress", args=[run.pk]),
        reverse("scoring:run_export", args=[run.pk]) + "?format=csv",
    ]


@pytest.mark.parametrize(
    ("user_attr", "expected"),
    [("hq", 200), ("district_a", 403), ("manager_a1", 403), ("no_role", 403)],
)
def test_grading_pages_are_for_hq_only(client, world, graded, user_attr, expected):
    client.force_login(getattr(world, user_attr))
    for url in _urls(graded, GradingPolicy.objects.get()):
        assert client.get(url).status_code == expected, url
    publish = client.post(reverse("scoring:run_publish", args=[graded.pk]), {"confirm": "1"})
    assert publish.status_code == (302 if expected == 200 else expected)


def test_anonymous_is_sent_to_login_from_every_grading_page(client, world, graded):
    for url in _urls(graded, GradingPolicy.objects.get()):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_an_unknown_run_is_404(client, world, graded):
    client.force_login(world.hq)
    assert client.get(reverse("scoring:run_detail", args=[graded.pk + 99])).status_code == 404


def test_hq_starts_a_run_from_the_page_and_sees_the_review(client, world, graded, django_capture_on_commit_callbacks):
    client.force_login(world.hq)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("scoring:grading"), {"month": "2026-01"})
    assert len(callbacks) == 1  # the task is sent once the run row is committed
    run = GradingRun.objects.get(month=JAN, is_what_if=False)
    assert response["Location"] == reverse("scoring:run_detail", args=[run.pk])
    assert run.state == RunState.DRAFT  # eager in tests
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "未评定营业厅" in page.content.decode() and "本月无暗访、满意度和检查数据" in page.content.decode()
    assert 'id="grade-chart-data"' in page.content.decode()


def test_a_bad_month_is_shown_beside_its_field_and_nothing_starts(client, world, graded):
    client.force_login(world.hq)
    response = client.post(reverse("scoring:grading"), {"month": "2026/01"})
    assert response.status_code == 400
    assert "月份格式应为 YYYY-MM" in response.context["start_form"].errors["month"][0]


def test_a_second_run_while_one_is_running_is_refused_on_the_page(client, world, graded):
    grading_run_start(month=JAN)
    client.force_login(world.hq)
    response = client.post(reverse("scoring:grading"), {"month": "2026-01"})
    assert response.status_code == 400
    assert "2026-01 的评定正在进行中" in response.content.decode()


@pytest.fixture
def broker_down(client, world, graded, monkeypatch):
    """HQ logged in, no run yet, and a broker that refuses every task."""

    def down(task, *, args=(), kwargs=None):
        raise BrokerUnavailable()

    monkeypatch.setattr("scoring.views.grading.enqueue", down)
    client.force_login(world.hq)
    GradingRun.objects.all().delete()


def test_broker_down_marks_the_run_failed_and_shows_the_message(client, broker_down):
    response = client.post(reverse("scoring:grading"), {"month": "2026-01"}, follow=True)
    run = GradingRun.objects.get(month=JAN)
    assert run.state == RunState.FAILED and run.message == BROKER_DOWN_MESSAGE
    assert BROKER_DOWN_MESSAGE in response.content.decode()


def test_the_progress_endpoint_reports_a_running_run(client, world, graded):
    GradingRun.objects.all().delete()
    run = grading_run_start(month=JAN)
    client.force_login(world.hq)
    data = client.get(reverse("scoring:run_progress", args=[run.pk])).json()
    assert data == {"state": "running", "state_label": "计算中", "progress": 0, "message": "", "done": False}
    page = client.get(reverse("scoring:run_detail", args=[run.pk])).content.decode()
    assert "js/grading_progress.js" in page and "<script>" not in page


def test_hq_publishes_from_the_page_and_the_month_is_frozen(client, world, graded):
    from scoring.selectors import month_is_published

    client.force_login(world.hq)
    client.post(reverse("scoring:run_publish", args=[graded.pk]), {"confirm": "1"})
    assert month_is_published(month=JAN)
    # a published month answers a plain re-run with the reason it needs
    response = client.post(reverse("scoring:grading"), {"month": "2026-01"}, follow=True)
    assert "2026-01 已发布，重评须填写原因" in response.content.decode()
    client.post(reverse("scoring:grading"), {"month": "2026-01", "reason": "申诉改判"})
    assert GradingRun.objects.get(month=JAN, revision=2).reason == "申诉改判"


def test_publishing_first_shows_what_it_does_and_only_the_confirmed_form_publishes(client, world, graded):
    from scoring.selectors import month_is_published

    client.force_login(world.hq)
    detail = client.get(reverse("scoring:run_detail", args=[graded.pk])).content.decode()
    url = reverse("scoring:run_publish", args=[graded.pk])
    # The run page links to the confirmation; it holds no form that publishes in one click.
    assert f'href="{url}"' in detail and f'action="{url}"' not in detail
    page = client.get(url)
    assert page.status_code == 200 and not month_is_published(month=JAN)
    text = page.content.decode()
    assert "2026-01 被冻结" in text and "2026-02 的状态" in text and "服务酬金分配" in text
    assert 'name="confirm" value="1"' in text
    # A post without the confirmation (an old page, a stray request) publishes nothing.
    assert client.post(url)["Location"] == url and not month_is_published(month=JAN)
    client.post(url, {"confirm": "1"})
    assert month_is_published(month=JAN)


def test_a_what_if_from_the_page_shows_differences(client, world, graded, django_capture_on_commit_callbacks):
    draft = policy_draft_create(based_on=GradingPolicy.objects.get(), effective_from=dt.date(2026, 1, 1))
    client.force_login(world.hq)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:grading"), {"what_if": "1", "month": "2026-01", "policy": draft.pk})
    run = GradingRun.objects.get(is_what_if=True)
    page = client.get(response["Location"])
    assert page.status_code == 200 and "与现行结果的逐厅差异" in page.content.decode()
    assert run.state == RunState.DRAFT


def _draft_policy_form(client, world):
    """A draft policy for June, its edit page opened by HQ: (the draft, its URL, the page, the form's data)."""
    draft = policy_draft_create(based_on=GradingPolicy.objects.get(), effective_from=dt.date(2026, 6, 1))
    url = reverse("scoring:policy_update", args=[draft.pk])
    client.force_login(world.hq)
    page = client.get(url)
    form = page.context["form"]
    return draft, url, page, {name: form[name].value() for name in form.fields}


def test_hq_edits_a_draft_policy_and_a_stale_form_is_refused(client, world, graded):
    draft, url, _page, data = _draft_policy_form(client, world)
    data["bonus_cap"] = "4"
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert str(draft.bonus_cap) == "4.00"
    response = client.post(url, data)  # the same (now stale) lock_version again
    assert response.status_code == 400 and "该规则已被他人修改" in response.content.decode()


def test_hq_chooses_the_status_grouping_on_the_policy_page(client, world, graded):
    draft, url, page, data = _draft_policy_form(client, world)
    assert "按地市+厅类型" in page.content.decode()
    assert data["ranking_group"] == "city"
    assert client.post(url, {**data, "ranking_group": "city_kind"}).status_code == 302
    draft.refresh_from_db()
    assert draft.ranking_group == "city_kind"
    assert "按地市+厅类型" in client.get(reverse("scoring:policy_list")).content.decode()


def test_an_unknown_status_grouping_from_the_page_is_refused_beside_its_field(client, world, graded):
    draft, url, _page, data = _draft_policy_form(client, world)
    response = client.post(url, {**data, "ranking_group": "district"})
    assert response.status_code == 400 and "ranking_group" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.ranking_group == "city" and draft.lock_version == data["lock_version"]


def test_policy_weights_not_summing_to_100_are_shown_beside_the_field(client, world, graded):
    draft = policy_draft_create(based_on=GradingPolicy.objects.get(), effective_from=dt.date(2026, 6, 1))
    url = reverse("scoring:policy_update", args=[draft.pk])
    client.force_login(world.hq)
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["weight_mystery"] = "45"
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["weight_mystery"] == ["四个维度的权重之和应为 100，现为 105"]


def test_hq_creates_a_draft_policy_from_the_list(client, world, graded):
    client.force_login(world.hq)
    response = client.post(reverse("scoring:policy_list"), {"effective_from": "2026-07"})
    draft = GradingPolicy.objects.get(version=2)
    assert response["Location"] == reverse("scoring:policy_update", args=[draft.pk])
    assert draft.effective_from == dt.date(2026, 7, 1)


def test_the_review_shows_distribution_movers_statuses_and_a_regradings_changes(client, province):
    from scoring.services import month_publish
    from tests.scoring.conftest import FEB
    from tests.scoring.factories import complaint_add

    grade_month(month=JAN)
    month_publish(month=JAN)
    feb = grade_month(month=FEB)
    client.force_login(province.hq)
    response = client.get(reverse("scoring:run_detail", args=[feb.pk]))
    review = response.context["review"]
    # February: A h1 h2; B h3 h4 h5 h6 h7 h12; C h8; D h9 h10
    assert review["distribution"] == {"A": 2, "B": 6, "C": 1, "D": 2}
    # h6 moved most: 59.00 → 85.20 (+26.20)
    assert review["movers"][0]["result"].hall.code == "h06" and str(review["movers"][0]["delta"]) == "26.20"
    assert {r.hall.code for r in review["status_changes"]} == {"h01", "h02", "h06", "h10"}
    month_publish(month=FEB)
    complaint_add(province.halls[2], FEB)  # 92.60 → 90.60
    regrade = grade_month(month=FEB, reason="投诉补录")
    page = client.get(reverse("scoring:run_detail", args=[regrade.pk])).content.decode()
    assert "本次重评相对已发布结果的变化" in page and "92.60" in page and "90.60" in page


def test_a_runs_progress_is_shown_in_the_readers_language_with_its_figures(client, world, graded):
    from scoring.services.distributed import CHUNK_DONE_MESSAGE
    from scoring.services.grading import _progress

    GradingRun.objects.all().delete()
    run = grading_run_start(month=JAN)
    _progress(run, 40, CHUNK_DONE_MESSAGE, done=4, expected=11)
    client.force_login(world.hq)
    url = reverse("scoring:run_progress", args=[run.pk])

    assert client.get(url).json()["message"] == "已完成 4/11 个城市"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the reader picked English in the switch
    assert client.get(url).json()["message"] == "4 of 11 cities done"
    page = client.get(reverse("scoring:run_detail", args=[run.pk])).content.decode()
    assert "4 of 11 cities done" in page


def test_a_failed_runs_message_is_shown_in_each_readers_language(client, broker_down):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("scoring:grading"), {"month": "2026-01"})  # started in English
    run = GradingRun.objects.get(month=JAN)
    assert run.message == BROKER_DOWN_MESSAGE  # the msgid, whatever the language of who started it

    def failure(language: str) -> str:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(reverse("scoring:run_detail", args=[run.pk]))
        return page.content.decode().split('class="alert alert-danger">', 1)[1].split("</div>", 1)[0]

    assert "The task queue is temporarily unavailable" in failure("en")
    assert BROKER_DOWN_MESSAGE in failure("zh-hans")
