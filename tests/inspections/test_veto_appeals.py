"""Appeals on veto items (一票否决): the hall says the veto was wrongly triggered; HQ upholding clears it,
recomputes the totals and cancels the veto's rectification; rejecting keeps everything. The deadline,
frozen-month, scope and locking rules are those of scored items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from halls.errors import ApplicationError
from halls.models import Notification
from inspections.models import Appeal, AppealState, InspectionItem, Rectification, RectificationState
from inspections.services.appeals import DECISION_CONFLICT, appeal_decide, appeal_file
from inspections.services.rectification import rectifications_escalate
from scoring.services.evidence import evidence_frame
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import inspection_enter, month_publish, refreshed

pytestmark = pytest.mark.usefixtures("march", "policy")
MARCH = dt.date(2026, 3, 1)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def vetoed(world, small_scheme):
    """An inspection of hall a1 submitted Tuesday 2026-03-10 that lost 5 points on A1.1 and triggered the
    veto V: score 95, vetoed, two rectifications open (A1.1 and V)."""
    return inspection_enter(
        user=world.district_a,
        hall=world.hall_a1,
        scheme=small_scheme,
        values={**FULL_MARKS, "A1.1": 20, "V": ("veto", "与客户争吵")},
    )


def item_of(inspection, code) -> InspectionItem:
    return InspectionItem.objects.select_related("inspection", "indicator").get(
        inspection=inspection, indicator__code=code
    )


def rectification_of(inspection, code) -> Rectification:
    return Rectification.objects.get(item=item_of(inspection, code))


def hall_vetoes(hall, scheme=None) -> float:
    """The vetoes grading counts for ``hall`` in March: from the stored totals, or re-scored on ``scheme``."""
    return evidence_frame(month=MARCH, scheme=scheme).set_index("hall_id").loc[hall.pk, "vetoes"]


def veto_appeal(world, inspection) -> Appeal:
    return appeal_file(user=world.manager_a1, item=item_of(inspection, "V"), reason="监控显示营业员未与顾客争吵")


def test_an_upheld_veto_appeal_clears_the_veto_recomputes_the_totals_and_cancels_its_rectification(
    world, vetoed, small_scheme
):
    before = refreshed(vetoed)
    # (20 + 15 + 20 + 30 + 10) / 100 * 100 = 95.00, failed by the veto V
    assert (before.score, before.points_awarded, before.vetoed) == (Decimal("95.00"), Decimal("95"), True)
    assert hall_vetoes(world.hall_a1) == 1 and hall_vetoes(world.hall_a1, small_scheme) == 1
    appeal = veto_appeal(world, vetoed)
    assert (appeal.requested_points, appeal.points_before) == (None, None)

    appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=None, note="监控属实")

    after = refreshed(vetoed)
    # Recomputed from the items without V's veto: (20 + 15 + 20 + 30 + 10) / 100 * 100 = 95.00, and it no
    # longer fails (a veto never changed the points; grading caps a vetoed month at the policy's veto_cap).
    assert (after.score, after.points_awarded, after.points_applicable) == (
        Decimal("95.00"),
        Decimal("95"),
        Decimal("100"),
    )
    assert after.vetoed is False
    assert item_of(vetoed, "V").veto_cleared
    assert hall_vetoes(world.hall_a1) == 0 and hall_vetoes(world.hall_a1, small_scheme) == 0
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_points) == (AppealState.UPHELD, None)
    # The veto's rectification is cancelled and no longer escalates; A1.1's lost points still stand.
    veto_rect = rectification_of(vetoed, "V")
    assert veto_rect.state == RectificationState.CANCELLED and "监控属实" in veto_rect.review_note
    assert veto_rect.history.first().history_user == world.hq
    assert rectification_of(vetoed, "A1.1").state == RectificationState.OPEN
    assert rectifications_escalate(today=dt.date(2026, 3, 18)) == {1: 1, 2: 0, 3: 0}  # A1.1 only
    assert any(n.title_text.startswith("申诉已支持") for n in Notification.objects.filter(recipient=world.manager_a1))
    # A cleared veto cannot be appealed again.
    with pytest.raises(ApplicationError, match="该项一票否决已撤销"):
        veto_appeal(world, vetoed)


def test_an_upheld_veto_appeal_leaves_a_verified_rectification_verified(world, vetoed):
    rect = rectification_of(vetoed, "V")
    Rectification.objects.filter(pk=rect.pk).update(state=RectificationState.VERIFIED)
    appeal = veto_appeal(world, vetoed)
    appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=None, note="属实")
    assert refreshed(vetoed).vetoed is False
    assert rectification_of(vetoed, "V").state == RectificationState.VERIFIED


def test_a_rejected_veto_appeal_keeps_the_veto_the_totals_and_the_rectification(world, vetoed, small_scheme):
    appeal = veto_appeal(world, vetoed)
    appeal_decide(
        user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=False, decided_points=None, note="录音证实争吵"
    )
    after = refreshed(vetoed)
    # Unchanged: (20 + 15 + 20 + 30 + 10) / 100 * 100 = 95.00, still vetoed
    assert (after.score, after.vetoed) == (Decimal("95.00"), True)
    assert not item_of(vetoed, "V").veto_cleared
    assert hall_vetoes(world.hall_a1) == 1 and hall_vetoes(world.hall_a1, small_scheme) == 1
    assert Appeal.objects.get().state == AppealState.REJECTED
    assert rectification_of(vetoed, "V").state == RectificationState.OPEN


def test_a_late_veto_appeal_is_refused_with_the_deadline(world, vetoed, time_machine):
    # Submitted Tuesday 2026-03-10; 3 working days → deadline Friday 2026-03-13; Monday is too late.
    time_machine.move_to(dt.datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI), tick=False)
    with pytest.raises(ApplicationError, match="申诉期限已过：须在提交后 2026-03-13 之前（含当日）提出申诉"):
        veto_appeal(world, vetoed)
    assert not Appeal.objects.exists()
    assert refreshed(vetoed).vetoed is True


def test_a_veto_appeal_on_the_last_day_is_accepted(world, vetoed, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 13, 17, 0, tzinfo=SHANGHAI), tick=False)
    assert veto_appeal(world, vetoed).deadline == dt.date(2026, 3, 13)


def test_a_veto_appeal_on_a_frozen_month_is_refused_and_cannot_be_upheld_once_frozen(world, vetoed):
    appeal = veto_appeal(world, vetoed)
    month_publish(MARCH)
    with pytest.raises(ApplicationError, match="支持申诉须先由总部发起重评"):
        appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=None, note="ok")
    Appeal.objects.all().delete()
    with pytest.raises(ApplicationError, match="已冻结，不能再申诉"):
        veto_appeal(world, vetoed)
    assert refreshed(vetoed).vetoed is True and not item_of(vetoed, "V").veto_cleared


def test_a_stale_veto_appeal_decision_is_a_conflict_and_the_veto_stands(world, vetoed):
    appeal = veto_appeal(world, vetoed)
    Appeal.objects.filter(pk=appeal.pk).update(lock_version=1)  # someone else touched it
    with pytest.raises(ApplicationError, match=DECISION_CONFLICT):
        appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=None, note="ok")
    assert refreshed(vetoed).vetoed is True
    assert rectification_of(vetoed, "V").state == RectificationState.OPEN


def test_the_veto_appeal_pages_ask_for_no_points_and_keep_to_the_hall(client, world, vetoed):
    create_url = reverse("inspections:appeal_create", args=[item_of(vetoed, "V").pk])
    client.force_login(world.manager_b1)
    assert client.get(create_url).status_code == 404  # another hall's item
    client.force_login(world.manager_a1)
    detail = client.get(reverse("inspections:detail", args=[vetoed.pk]))
    assert create_url in detail.content.decode()  # the veto row offers an appeal
    form = client.get(create_url).context["form"]
    assert "requested_points" not in form.fields
    assert client.post(create_url, {"reason": "顾客先动手，营业员未争吵"}).status_code == 302
    appeal = Appeal.objects.get()

    decide_url = reverse("inspections:appeal_detail", args=[appeal.pk])
    client.force_login(world.hq)
    page = client.get(decide_url)
    assert "decided_points" not in page.context["form"].fields
    assert "一票否决误判，申请撤销" in page.content.decode()
    response = client.post(decide_url, {"lock_version": 0, "decision": "uphold", "decision_note": "监控属实"})
    assert response.status_code == 302
    assert refreshed(vetoed).vetoed is False
    client.force_login(world.manager_a1)
    detail = client.get(reverse("inspections:detail", args=[vetoed.pk]))
    assert create_url not in detail.content.decode()  # nothing left to appeal
