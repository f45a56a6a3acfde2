"""Escalation until fixed (逐级预警，直至整改): district → city → HQ on the policy's days, then HQ again at the
policy's interval until the item is fixed; never two levels, nor two warnings, in one day; each warning
recorded and shown on the item."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from halls.models import Notification
from inspections.models import EscalationLevel, EscalationWarning, Rectification, WarningSubject
from inspections.services.rectification import rectification_fix
from inspections.tasks import rectifications_escalate_task
from tests.factories import city_manager
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import inspection_enter

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def overdue(world, small_scheme, policy, march):
    """A rectification of hall a1 due 2026-03-17 (inspected 03-10, 7 days to fix), with the city's customer
    service (地市客服) on the books."""
    city_manager(world.hall_a1.district.city, username="cm_a")
    inspection = inspection_enter(
        user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values={**FULL_MARKS, "A1.1": 20}
    )
    Notification.objects.all().delete()
    mail.outbox.clear()
    return Rectification.objects.get(inspection=inspection)


def _morning(time_machine, day: dt.date) -> dict:
    """The daily job, run at 07:30 in Shanghai on ``day``."""
    time_machine.move_to(dt.datetime(day.year, day.month, day.day, 7, 30, tzinfo=SHANGHAI), tick=False)
    return rectifications_escalate_task.delay().get()


def _warnings(rectification) -> list[tuple[str, int]]:
    return [
        (f"{w.sent_on:%m-%d}", w.level)
        for w in EscalationWarning.objects.filter(rectification=rectification).order_by("sent_on")
    ]


def test_an_overdue_item_climbs_district_city_hq_on_the_policys_days_and_is_repeated_at_hq_until_fixed(
    world, overdue, time_machine
):
    # Policy defaults: district the day after the due date (03-18), city once more than 3 days overdue (03-21),
    # HQ once more than 7 (03-25), then HQ again every 3 days (03-28, 03-31) until fixed (on 04-01).
    for offset in range(1, 16):
        day = dt.date(2026, 3, 17) + dt.timedelta(days=offset)
        if day == dt.date(2026, 4, 1):
            rectification_fix(rectification_id=overdue.pk, user=world.manager_a1, note="已整改")
        _morning(time_machine, day)

    assert _warnings(overdue) == [
        ("03-18", EscalationLevel.DISTRICT),
        ("03-21", EscalationLevel.CITY),
        ("03-25", EscalationLevel.HQ),
        ("03-28", EscalationLevel.HQ),
        ("03-31", EscalationLevel.HQ),
    ]
    hq_titles = list(Notification.objects.filter(recipient=world.hq).values_list("title", flat=True))
    assert len(hq_titles) == 3
    assert sorted(Notification.objects.exclude(recipient=world.hq).values_list("recipient__username", flat=True)) == [
        "cm_a",
        "dm_a",
    ]
    assert len(mail.outbox) == 5  # in-app and by e-mail, each warning


def test_a_second_run_on_the_same_day_changes_nothing(world, overdue, time_machine):
    for day in (18, 21, 25, 28):
        first = _morning(time_machine, dt.date(2026, 3, day))
        before = (
            list(EscalationWarning.objects.values_list()),
            Notification.objects.count(),
            len(mail.outbox),
            Rectification.objects.get(pk=overdue.pk).escalation_level,
        )
        second = _morning(time_machine, dt.date(2026, 3, day))
        after = (
            list(EscalationWarning.objects.values_list()),
            Notification.objects.count(),
            len(mail.outbox),
            Rectification.objects.get(pk=overdue.pk).escalation_level,
        )
        assert sum(first.values()) == 1, day
        assert second == {"1": 0, "2": 0, "3": 0}, day
        assert after == before, day


def test_a_long_forgotten_item_still_climbs_one_level_a_day(world, overdue, time_machine):
    # Nobody ran the job for a month: three runs on 04-20 still raise it one level only.
    for _ in range(3):
        _morning(time_machine, dt.date(2026, 4, 20))
    _morning(time_machine, dt.date(2026, 4, 21))

    assert _warnings(overdue) == [("04-20", EscalationLevel.DISTRICT), ("04-21", EscalationLevel.CITY)]


def test_the_database_refuses_a_second_warning_of_an_item_on_one_day(overdue):
    EscalationWarning.objects.create(
        subject=WarningSubject.RECTIFICATION, rectification=overdue, hall=overdue.hall, level=1, sent_on="2026-03-18"
    )
    with pytest.raises(IntegrityError):
        EscalationWarning.objects.create(
            subject=WarningSubject.RECTIFICATION,
            rectification=overdue,
            hall=overdue.hall,
            level=2,
            sent_on="2026-03-18",
        )


def test_hq_is_warned_again_at_the_interval_the_policy_sets(world, overdue, policy, time_machine):
    policy.hq_repeat_every_days = 1
    policy.save(update_fields=["hq_repeat_every_days"])
    for day in (18, 21, 25, 26, 27):
        _morning(time_machine, dt.date(2026, 3, day))

    assert [level for _day, level in _warnings(overdue)] == [1, 2, 3, 3, 3]


def test_each_warning_is_shown_on_the_item(client, world, overdue, time_machine):
    for day in (18, 21):
        _morning(time_machine, dt.date(2026, 3, day))
    client.force_login(world.district_a)

    page = client.get(reverse("inspections:rectification_detail", args=[overdue.pk])).content.decode()

    warnings = page.split('id="warnings"')[1].split("</ul>")[0]
    assert warnings.count("<li") == 2
    assert "2026-03-18" in warnings and "2026-03-21" in warnings
    assert "已升级地市客服部" in warnings
