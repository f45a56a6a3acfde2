"""Rectifications (fix → verify / reopen, escalation), appeals and the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from halls.errors import ApplicationError
from halls.models import Notification
from inspections.models import (
    Appeal,
    AppealState,
    EscalationLevel,
    InspectionItem,
    Rectification,
    RectificationState,
)
from inspections.selectors import AuditChange, inspection_audit
from inspections.services.appeals import DECISION_CONFLICT, appeal_decide, appeal_file, working_days_after
from inspections.services.rectification import rectification_fix, rectification_review, rectifications_escalate
from tests.factories import CityFactory, city_manager
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import image_upload, inspection_enter, month_publish, refreshed

pytestmark = pytest.mark.usefixtures("march", "policy")


@pytest.fixture
def lost_a11(world, small_scheme):
    """An inspection of hall a1 on 2026-03-10 that lost 5 points on A1.1 (score 95)."""
    return inspection_enter(
        user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values={**FULL_MARKS, "A1.1": 20}
    )


def test_the_hall_manager_is_told_of_new_rectifications(world, lost_a11):
    note = Notification.objects.get(recipient=world.manager_a1)
    assert note.title_text == f"{world.hall_a1.name} 有 1 项待整改"


def test_rectification_goes_open_fixed_verified(world, lost_a11):
    rect = Rectification.objects.get(inspection=lost_a11)
    assert rect.state == RectificationState.OPEN
    rectification_fix(
        rectification_id=rect.pk, user=world.manager_a1, note="已统一盘发", photos=[image_upload("fix.png", "PNG")]
    )
    rect.refresh_from_db()
    assert (rect.state, rect.fixed_by, rect.photos.count()) == (RectificationState.FIXED, world.manager_a1, 1)
    rectification_review(rectification_id=rect.pk, user=world.district_a, accept=True, note="")
    rect.refresh_from_db()
    assert (rect.state, rect.verified_by) == (RectificationState.VERIFIED, world.district_a)
    with pytest.raises(ApplicationError, match="不能再提交整改"):
        rectification_fix(rectification_id=rect.pk, user=world.manager_a1, note="again")


def test_a_reopened_rectification_needs_a_reason_and_can_be_fixed_again(world, lost_a11):
    rect = Rectification.objects.get(inspection=lost_a11)
    rectification_fix(rectification_id=rect.pk, user=world.manager_a1, note="已整改")
    with pytest.raises(ApplicationError, match="须写明原因"):
        rectification_review(rectification_id=rect.pk, user=world.district_a, accept=False, note=" ")
    assert Rectification.objects.get(pk=rect.pk).state == RectificationState.FIXED
    rectification_review(rectification_id=rect.pk, user=world.district_a, accept=False, note="照片看不清")
    assert Rectification.objects.get(pk=rect.pk).state == RectificationState.REOPENED
    rectification_fix(rectification_id=rect.pk, user=world.manager_a1, note="重新拍照")
    assert Rectification.objects.get(pk=rect.pk).state == RectificationState.FIXED


def test_a_fix_without_a_note_or_with_a_bad_photo_saves_nothing(world, lost_a11):
    rect = Rectification.objects.get(inspection=lost_a11)
    with pytest.raises(ApplicationError, match="请写明整改情况"):
        rectification_fix(rectification_id=rect.pk, user=world.manager_a1, note="")
    with pytest.raises(ApplicationError, match="只接受"):
        rectification_fix(
            rectification_id=rect.pk, user=world.manager_a1, note="ok", photos=[image_upload("x.gif", "GIF")]
        )
    rect.refresh_from_db()
    assert rect.state == RectificationState.OPEN and rect.photos.count() == 0


def test_escalation_climbs_district_then_city_then_hq_once_per_level(world, lost_a11, small_scheme):
    """Due 2026-03-17, policy defaults: the district managers the day after, the city's customer
    service (地市客服) once more than 3 days overdue, HQ once more than 7."""
    city_manager(world.hall_a1.district.city, username="cm_a")
    city_manager(CityFactory(), username="cm_other")
    due = Rectification.objects.get(inspection=lost_a11)
    fixed_one = inspection_enter(
        user=world.district_b, hall=world.hall_b1, scheme=small_scheme, values={**FULL_MARKS, "B1.1": 29}
    )
    fixed = Rectification.objects.get(inspection=fixed_one)
    rectification_fix(rectification_id=fixed.pk, user=world.manager_b1, note="done")
    Notification.objects.all().delete()
    mail.outbox.clear()

    def recipients() -> list[str]:
        return sorted(Notification.objects.values_list("recipient__username", flat=True))

    # On the due date nothing is overdue yet.
    assert rectifications_escalate(today=dt.date(2026, 3, 17)) == {1: 0, 2: 0, 3: 0}
    # The day after: the district manager of district A (only) is warned, once.
    assert rectifications_escalate(today=dt.date(2026, 3, 18)) == {1: 1, 2: 0, 3: 0}
    assert rectifications_escalate(today=dt.date(2026, 3, 18)) == {1: 0, 2: 0, 3: 0}
    assert recipients() == ["dm_a"]
    assert refreshed_rect(due).escalation_level == EscalationLevel.DISTRICT
    assert refreshed_rect(fixed).escalation_level == EscalationLevel.NONE  # fixed: not outstanding
    # Three days overdue is not yet enough for the city; four days overdue is, once, and only for the
    # customer service of the hall's city (not another city's, not HQ).
    assert rectifications_escalate(today=dt.date(2026, 3, 20)) == {1: 0, 2: 0, 3: 0}
    assert rectifications_escalate(today=dt.date(2026, 3, 21)) == {1: 0, 2: 1, 3: 0}
    assert rectifications_escalate(today=dt.date(2026, 3, 22)) == {1: 0, 2: 0, 3: 0}
    assert recipients() == ["cm_a", "dm_a"]
    assert refreshed_rect(due).escalation_level == EscalationLevel.CITY
    # Seven days overdue is not yet enough for HQ; eight is, once.
    assert rectifications_escalate(today=dt.date(2026, 3, 24)) == {1: 0, 2: 0, 3: 0}
    assert rectifications_escalate(today=dt.date(2026, 3, 25)) == {1: 0, 2: 0, 3: 1}
    # HQ is warned again every 3 days (the policy default) until the item is fixed: not yet on 03-27.
    assert rectifications_escalate(today=dt.date(2026, 3, 27)) == {1: 0, 2: 0, 3: 0}
    assert recipients() == ["cm_a", "dm_a", "hq"]
    assert refreshed_rect(due).escalation_level == EscalationLevel.HQ
    assert len(mail.outbox) == 3
    # The escalation is in the audit trail.
    assert due.history.count() >= 4


def test_a_long_overdue_rectification_still_climbs_one_level_a_day(world, lost_a11):
    """The job did not run for weeks: the first run warns the district, the next the city, then HQ;
    no level is skipped."""
    city_manager(world.hall_a1.district.city, username="cm_a")
    assert rectifications_escalate(today=dt.date(2026, 4, 20)) == {1: 1, 2: 0, 3: 0}
    assert rectifications_escalate(today=dt.date(2026, 4, 21)) == {1: 0, 2: 1, 3: 0}
    assert rectifications_escalate(today=dt.date(2026, 4, 22)) == {1: 0, 2: 0, 3: 1}


def test_a_city_manager_of_two_cities_hears_of_each_overdue_rectification_once(world, lost_a11, small_scheme):
    from tests.factories import DistrictFactory, HallFactory

    x1 = HallFactory(district=DistrictFactory(city=CityFactory()))
    lost_x1 = inspection_enter(user=world.district_a, hall=x1, scheme=small_scheme, values={**FULL_MARKS, "A1.1": 20})
    both = city_manager(world.hall_a1.district.city, x1.district.city, username="cm_both")
    for day in (18, 21):  # due 2026-03-17: district the day after, city once more than 3 days overdue
        rectifications_escalate(today=dt.date(2026, 3, day))
    (notification,) = Notification.objects.filter(recipient=both)
    assert notification.title_text == "整改逾期升级：2 项逾期 3 天以上仍未整改"
    assert notification.body_text.count(world.hall_a1.name) == 1 and notification.body_text.count(x1.name) == 1
    assert Rectification.objects.get(inspection=lost_x1).escalation_level == EscalationLevel.CITY


def test_each_escalation_waits_as_many_days_as_the_policy_says(world, lost_a11, policy, time_machine):
    from inspections.tasks import rectifications_escalate_task

    city_manager(world.hall_a1.district.city, username="cm_a")
    policy.city_escalation_after_days = 5
    policy.hq_escalation_after_days = 9
    policy.save(update_fields=["city_escalation_after_days", "hq_escalation_after_days"])
    # Due 2026-03-17: the district managers are warned the day after, as before.
    assert rectifications_escalate(today=dt.date(2026, 3, 18)) == {1: 1, 2: 0, 3: 0}
    # The city hears of it once it is more than 5 days overdue: not at 4 days (2026-03-21, when the
    # default 3 would escalate), not at 5 (03-22), at 6 (03-23); HQ once more than 9 (03-27, not 03-26).
    # The daily task, run on those mornings:
    for day, expected in (
        (21, {"1": 0, "2": 0, "3": 0}),
        (22, {"1": 0, "2": 0, "3": 0}),
        (23, {"1": 0, "2": 1, "3": 0}),
        (26, {"1": 0, "2": 0, "3": 0}),
        (27, {"1": 0, "2": 0, "3": 1}),
    ):
        time_machine.move_to(dt.datetime(2026, 3, day, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
        assert rectifications_escalate_task.delay().get() == expected
    assert refreshed_rect(Rectification.objects.get(inspection=lost_a11)).escalation_level == EscalationLevel.HQ
    cm_a = Notification.objects.get(recipient__username="cm_a")
    assert cm_a.title_text == "整改逾期升级：1 项逾期 5 天以上仍未整改"
    assert Notification.objects.get(recipient=world.hq).title_text == "整改逾期升级：1 项逾期 9 天以上仍未整改"


def test_the_escalation_task_runs_the_service(world, lost_a11, time_machine):
    from inspections.tasks import rectifications_escalate_task

    time_machine.move_to(dt.datetime(2026, 3, 18, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    assert rectifications_escalate_task.delay().get() == {"1": 1, "2": 0, "3": 0}


def refreshed_rect(rect):
    return Rectification.objects.get(pk=rect.pk)


def test_working_days_skip_the_weekend():
    # Friday 2026-03-13 + 3 working days = Wednesday 2026-03-18
    assert working_days_after(dt.date(2026, 3, 13), 3) == dt.date(2026, 3, 18)
    assert working_days_after(dt.date(2026, 3, 10), 3) == dt.date(2026, 3, 13)


def item_of(inspection, code):
    return InspectionItem.objects.select_related("inspection", "indicator").get(
        inspection=inspection, indicator__code=code
    )


def test_an_upheld_appeal_in_time_changes_the_item_and_the_total(world, lost_a11, time_machine):
    item = item_of(lost_a11, "A1.1")
    # Submitted Tuesday 2026-03-10; 3 working days → deadline Friday 2026-03-13.
    time_machine.move_to(dt.datetime(2026, 3, 13, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    appeal = appeal_file(user=world.manager_a1, item=item, reason="当时正在整理", requested_points=Decimal("25"))
    assert appeal.deadline == dt.date(2026, 3, 13)
    assert any(n.title_text.startswith("新申诉待裁定") for n in Notification.objects.filter(recipient=world.hq))
    assert refreshed(lost_a11).score == Decimal("95.00")  # 95 / 100 before the decision
    appeal_decide(
        user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=Decimal("24"), note="部分支持"
    )
    assert item_of(lost_a11, "A1.1").points == Decimal("24")
    # (24 + 15 + 20 + 30 + 10) / 100 * 100 = 99.00
    assert refreshed(lost_a11).score == Decimal("99.00")
    assert refreshed(lost_a11).points_awarded == Decimal("99")
    assert Appeal.objects.get().state == AppealState.UPHELD
    assert any(n.title_text.startswith("申诉已支持") for n in Notification.objects.filter(recipient=world.manager_a1))
    # 24 of 25: a point is still lost, so the rectification stays open.
    assert Rectification.objects.get(inspection=lost_a11).state == RectificationState.OPEN


def test_an_appeal_upheld_to_full_points_cancels_the_rectification(world, lost_a11):
    rect = Rectification.objects.get(inspection=lost_a11)
    rectification_fix(rectification_id=rect.pk, user=world.manager_a1, note="已整改")  # awaiting verification
    appeal = appeal_file(user=world.manager_a1, item=item_of(lost_a11, "A1.1"), reason="r", requested_points=25)
    appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=25, note="属实")
    # (25 + 15 + 20 + 30 + 10) / 100 * 100 = 100.00: nothing lost, nothing left to verify
    assert refreshed(lost_a11).score == Decimal("100.00")
    rect.refresh_from_db()
    assert (rect.state, rect.review_note) == (RectificationState.CANCELLED, "申诉已支持，无需整改：属实")


def test_a_rejected_appeal_leaves_the_total_and_needs_a_reason(world, lost_a11):
    appeal = appeal_file(
        user=world.manager_a1, item=item_of(lost_a11, "A1.1"), reason="理由", requested_points=Decimal("25")
    )
    with pytest.raises(ApplicationError, match="请写明裁定理由"):
        appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=False, decided_points=None, note="")
    appeal_decide(
        user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=False, decided_points=None, note="证据不足"
    )
    assert Appeal.objects.get().state == AppealState.REJECTED
    assert refreshed(lost_a11).score == Decimal("95.00")


def test_a_late_appeal_is_refused(world, lost_a11, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    with pytest.raises(ApplicationError, match="申诉期限已过：须在提交后 2026-03-13"):
        appeal_file(user=world.manager_a1, item=item_of(lost_a11, "A1.1"), reason="r", requested_points=Decimal(25))
    assert not Appeal.objects.exists()


def test_an_appeal_on_a_frozen_month_is_refused(world, lost_a11):
    month_publish(dt.date(2026, 3, 1))
    with pytest.raises(ApplicationError, match="已冻结"):
        appeal_file(user=world.manager_a1, item=item_of(lost_a11, "A1.1"), reason="r", requested_points=Decimal(25))
    assert not Appeal.objects.exists()


def test_appeal_points_out_of_range_and_a_second_pending_appeal_are_refused(world, lost_a11):
    item = item_of(lost_a11, "A1.1")
    with pytest.raises(ApplicationError, match="0 到 25"):
        appeal_file(user=world.manager_a1, item=item, reason="r", requested_points=Decimal(26))
    appeal_file(user=world.manager_a1, item=item, reason="r", requested_points=Decimal(25))
    with pytest.raises(ApplicationError, match="已有待裁定的申诉"):
        appeal_file(user=world.manager_a1, item=item, reason="r2", requested_points=Decimal(25))
    assert Appeal.objects.count() == 1


def test_a_stale_appeal_decision_is_a_conflict(world, lost_a11):
    appeal = appeal_file(
        user=world.manager_a1, item=item_of(lost_a11, "A1.1"), reason="r", requested_points=Decimal(25)
    )
    Appeal.objects.filter(pk=appeal.pk).update(lock_version=1)  # someone else touched it
    with pytest.raises(ApplicationError, match=DECISION_CONFLICT):
        appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=25, note="ok")
    assert item_of(lost_a11, "A1.1").points == Decimal("20")


def test_the_audit_trail_records_who_changed_what_before_and_after(world, lost_a11):
    rect = Rectification.objects.get(inspection=lost_a11)
    rectification_fix(rectification_id=rect.pk, user=world.manager_a1, note="已整改")
    appeal = appeal_file(
        user=world.manager_a1, item=item_of(lost_a11, "A1.1"), reason="r", requested_points=Decimal(25)
    )
    appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=25, note="ok")
    audit = inspection_audit(inspection=lost_a11)
    item_change = next(e for e in audit if str(e["subject"]) == "检查项 A1.1" and e["changes"])
    assert AuditChange(field="points", label="得分", old="20", new="25") in item_change["changes"]
    inspection_change = next(e for e in audit if str(e["subject"]) == "检查" and e["changes"])
    assert any(change.field == "score" for change in inspection_change["changes"])
    rect_change = next(e for e in audit if str(e["subject"]) == "整改 A1.1" and e["changes"])
    assert rect_change["who"] == world.manager_a1
    assert any(change.field == "state" and change.new == "待验证" for change in rect_change["changes"])
    assert any(str(e["subject"]) == "申诉" and e["who"] == world.hq for e in audit)


def test_a_notification_reads_in_the_language_of_whoever_opens_it(world, lost_a11, client, settings):
    """Written once, by a service running in Chinese; read later by a hall manager who chose English, and by
    one who did not: each sees it in his own language, and the e-mail went out in the default language."""
    from django.urls import reverse

    note = Notification.objects.get(recipient=world.manager_a1)
    client.force_login(world.manager_a1)
    chinese = client.get(reverse("inspections:notification_list")).content.decode()
    assert f"{world.hall_a1.name} 有 1 项待整改" in chinese
    assert "请在" in chinese

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("inspections:notification_list")).content.decode()
    assert f"{world.hall_a1.name} has 1 finding(s) to rectify" in english
    assert "was submitted; please rectify within" in english
    assert "待整改" not in english
    assert Notification.objects.get(pk=note.pk).title == note.title  # stored once, translated when shown
    sent = [message for message in mail.outbox if world.manager_a1.email in message.to]
    assert not world.manager_a1.email or sent[0].subject == f"{world.hall_a1.name} 有 1 项待整改"
