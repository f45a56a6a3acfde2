"""A month that has not begun cannot be graded (page, service, command); the current, unfinished month is
graded only once HQ confirms, on the page, that its data are partial (or with --partial)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from halls.errors import ApplicationError
from scoring.models import GradingRun
from scoring.services import default_policy_load, grading_run_start

pytestmark = pytest.mark.django_db
# 15 March 2026, noon in Shanghai: March has begun and is not finished; April has not begun.
TODAY = dt.datetime(2026, 3, 15, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def ready(world):
    from inspections.services.tree import default_tree_load

    default_policy_load()
    default_tree_load()


@time_machine.travel(TODAY, tick=False)
def test_a_month_not_begun_is_refused_by_the_grading_service(ready):
    with pytest.raises(ApplicationError, match="2026-04 尚未开始"):
        grading_run_start(month=dt.date(2026, 4, 1))
    assert not GradingRun.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_the_grading_page_refuses_a_future_month_beside_the_field(client, world, ready):
    client.force_login(world.hq)
    response = client.post(reverse("scoring:grading"), {"month": "2026-04"})
    assert response.status_code == 400
    assert "2026-04 尚未开始：不能录入或处理未来月份的数据" in response.content.decode()
    assert not GradingRun.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_the_current_month_needs_a_confirmation_that_its_data_are_partial(
    client, world, ready, django_capture_on_commit_callbacks
):
    client.force_login(world.hq)
    response = client.post(reverse("scoring:grading"), {"month": "2026-03"})
    assert response.status_code == 400
    assert "2026-03 是当前月份，尚未结束，数据不完整" in response.content.decode()
    assert not GradingRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:grading"), {"month": "2026-03", "partial": "on"})
    assert response.status_code == 302
    assert GradingRun.objects.filter(month=dt.date(2026, 3, 1)).exists()


@time_machine.travel(TODAY, tick=False)
def test_a_finished_month_needs_no_confirmation(client, world, ready, django_capture_on_commit_callbacks):
    client.force_login(world.hq)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:grading"), {"month": "2026-02"})
    assert response.status_code == 302


@time_machine.travel(TODAY, tick=False)
def test_the_grade_month_command_refuses_the_future_and_the_current_month_without_partial(ready):
    with pytest.raises(CommandError, match="尚未开始"):
        call_command("grade_month", "2026-04")
    with pytest.raises(CommandError, match="--partial"):
        call_command("grade_month", "2026-03")
    call_command("grade_month", "2026-03", "--partial")
    assert GradingRun.objects.filter(month=dt.date(2026, 3, 1)).exists()
