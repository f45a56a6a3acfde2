"""Appeals (申诉): filed by the hall within the policy's working days, decided by HQ.

A scored or deduction item is appealed for other points; a triggered veto item for being wrongly
triggered: upholding that clears the veto (the inspection no longer fails) instead of changing points.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.errors import ApplicationError
from halls.i18n import in_each_language
from halls.models import Role
from halls.month_state import month_is_published
from halls.selectors import policy_in_force
from halls.services import notification_send
from inspections.models import Appeal, AppealState, IndicatorKind, InspectionItem, InspectionState
from inspections.services.entry import HALF
from inspections.services.photos import photos_check, photos_store
from inspections.services.rectification import item_needs_rectification, rectification_cancel
from inspections.services.totals import inspection_totals_store

APPEALABLE_KINDS = (IndicatorKind.SCORED, IndicatorKind.DEDUCTION, IndicatorKind.VETO)
DECISION_CONFLICT = gettext_noop("该申诉已被他人处理或修改，请刷新页面查看最新结果")


def working_days_after(day: dt.date, days: int) -> dt.date:
    """The date ``days`` working days (Monday to Friday) after ``day``."""
    current = day
    while days > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def appeal_deadline(*, item: InspectionItem) -> dt.date:
    inspection = item.inspection
    window = policy_in_force(month=inspection.month).appeal_window_days
    return working_days_after(timezone.localtime(inspection.submitted_at).date(), window)


def appeal_refusal(
    *, item: InspectionItem, appeals: list[Appeal], frozen: bool, deadline: dt.date | None, today: dt.date
) -> str | None:
    """Why ``item`` cannot be appealed now, or None when it can: the one rule behind both the 申诉 button on
    the inspection page and :func:`appeal_file`. ``appeals`` are the item's appeals so far; ``frozen`` whether
    its month's grading is published; ``deadline`` the inspection's appeal deadline (None before submission)."""
    kind = item.indicator.kind
    if item.inspection.state != InspectionState.SUBMITTED or deadline is None:
        return _("只能对已提交的检查申诉")
    if kind not in APPEALABLE_KINDS:
        return _("加分项无需申诉")
    if item.not_applicable:
        return _("不适用项无需申诉")
    if kind == IndicatorKind.VETO and item.veto_cleared:
        return _("该项一票否决已撤销，无需再申诉")
    if kind == IndicatorKind.SCORED and item.points is not None and item.points >= item.max_points:
        return _("满分，无需申诉")
    if item.points is None and kind != IndicatorKind.VETO:
        return _("该项未评分，无需申诉")
    if any(appeal.state == AppealState.PENDING for appeal in appeals):
        return _("该项已有待裁定的申诉，请等待结果")
    decided = [appeal for appeal in appeals if appeal.state != AppealState.PENDING]
    if decided:
        return _("该项申诉已裁定（%(outcome)s），不能再次申诉") % {"outcome": decided[-1].get_state_display()}
    if frozen:
        return _("%(month)s 的评定已发布，该月已冻结，不能再申诉") % {"month": f"{item.inspection.month:%Y-%m}"}
    if today > deadline:
        return _("申诉期限已过：须在提交后 %(deadline)s 之前（含当日）提出申诉") % {"deadline": f"{deadline:%Y-%m-%d}"}
    return None


def appeal_refusal_for(*, item: InspectionItem) -> str | None:
    """:func:`appeal_refusal` for one item, reading its appeals, its month's state and its deadline."""
    inspection = item.inspection
    return appeal_refusal(
        item=item,
        appeals=list(Appeal.objects.filter(item=item).order_by("filed_at", "pk")),
        frozen=month_is_published(month=inspection.month),
        deadline=appeal_deadline(item=item) if inspection.submitted_at else None,
        today=timezone.localdate(),
    )


def appeal_options_mark(*, inspection, rows: list) -> None:
    """Mark each row of the inspection page whose item a hall manager could appeal (``appealable``), or say
    why not (``appeal_refusal``): the month's state and the deadline are read once for the whole page."""
    if inspection.state != InspectionState.SUBMITTED or not inspection.submitted_at:
        return
    frozen = month_is_published(month=inspection.month)
    window = policy_in_force(month=inspection.month).appeal_window_days
    deadline = working_days_after(timezone.localtime(inspection.submitted_at).date(), window)
    today = timezone.localdate()
    pending = list(rows)
    while pending:
        row = pending.pop()
        pending.extend(row.children)
        if row.item is None:
            continue
        row.item.inspection, row.item.indicator = inspection, row.indicator  # read once for the page, not per row
        refusal = appeal_refusal(item=row.item, appeals=row.appeals, frozen=frozen, deadline=deadline, today=today)
        row.appealable, row.appeal_refusal = refusal is None, refusal or ""


def _points_check(points: Decimal | None, item: InspectionItem, field: str) -> None:
    if points is None:
        raise ApplicationError(_("请填写分数"), field_errors={field: [_("请填写分数")]})
    if not (0 <= points <= item.max_points) or points % HALF:
        message = _("分数应在 0 到 %(maximum)s 之间，且为 0.5 的整数倍") % {
            "maximum": f"{item.max_points.normalize():f}"
        }
        raise ApplicationError(message, field_errors={field: [message]})


@transaction.atomic
def appeal_file(
    *,
    user,
    item: InspectionItem,
    reason: str,
    requested_points: Decimal | None = None,
    photos: list | None = None,
) -> Appeal:
    """``requested_points`` for a scored or deduction item; a veto item's appeal asks only that the veto be
    cleared (its ``requested_points`` is ignored)."""
    inspection = item.inspection
    refusal = appeal_refusal_for(item=item)
    if refusal:
        raise ApplicationError(refusal)
    deadline = appeal_deadline(item=item)
    veto = item.indicator.kind == IndicatorKind.VETO
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请写明申诉理由"), field_errors={"reason": [_("请写明申诉理由")]})
    if veto:
        requested_points = None
    else:
        _points_check(requested_points, item, "requested_points")
    checked = photos_check(uploads=photos or [], field="photos")
    try:
        with transaction.atomic():
            appeal = Appeal(
                inspection=inspection,
                item=item,
                hall_id=inspection.hall_id,
                reason=reason,
                requested_points=requested_points,
                points_before=item.points,
                filed_by=user,
                deadline=deadline,
            )
            appeal._history_user = user
            appeal.save()
    except IntegrityError as exc:
        raise ApplicationError(_("该项已有待裁定的申诉，请等待结果")) from exc
    photos_store(photos=checked, user=user, hall_id=inspection.hall_id, appeal=appeal)
    notification_send(
        recipients=get_user_model().objects.filter(profile__role=Role.HQ, is_active=True),
        title=gettext_noop("新申诉待裁定：%(hall)s %(indicator)s"),
        body=gettext_noop("%(reason)s"),
        link=reverse("inspections:appeal_detail", args=[appeal.pk]),
        params={
            "hall": inspection.hall.name,
            "indicator": in_each_language(lambda: item.indicator.name),
            "reason": reason,
        },
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *, user, appeal_id: int, lock_version: int, uphold: bool, decided_points: Decimal | None, note: str
) -> Appeal:
    """Uphold or reject with a reason. Upholding changes the item's points to ``decided_points`` (a veto item:
    clears its veto, no points asked), recomputes the inspection's totals, and cancels the item's
    rectification if the finding behind it is gone (veto cleared, full points)."""
    appeal = Appeal.objects.select_related("item__inspection__hall", "item__indicator").get(pk=appeal_id)
    if appeal.lock_version != lock_version:  # decided or changed since the page was loaded
        raise ApplicationError(DECISION_CONFLICT)
    if appeal.state != AppealState.PENDING:
        raise ApplicationError(_("该申诉%(state)s，不能再裁定") % {"state": appeal.get_state_display()})
    note = note.strip()
    if not note:
        raise ApplicationError(_("请写明裁定理由"), field_errors={"decision_note": [_("请写明裁定理由")]})
    item = appeal.item
    inspection = item.inspection
    veto = appeal.is_veto
    if uphold:
        if month_is_published(month=inspection.month):
            raise ApplicationError(
                _("%(month)s 的评定已发布，该月已冻结：支持申诉须先由总部发起重评")
                % {"month": f"{inspection.month:%Y-%m}"}
            )
        if not veto:
            _points_check(decided_points, item, "decided_points")
    claimed = Appeal.objects.filter(pk=appeal.pk, lock_version=lock_version, state=AppealState.PENDING).update(
        lock_version=F("lock_version") + 1
    )
    if not claimed:
        raise ApplicationError(_(DECISION_CONFLICT))
    appeal.lock_version = lock_version + 1  # what the claim wrote; save() below writes every field
    appeal.state = AppealState.UPHELD if uphold else AppealState.REJECTED
    appeal.decided_points = decided_points if uphold and not veto else None
    appeal.decision_note = note
    appeal.decided_by = user
    appeal.decided_at = timezone.now()
    appeal._history_user = user
    appeal.save()
    if uphold:
        if veto:
            item.veto_cleared = True
        else:
            item.points = decided_points
        item._history_user = user
        item.save(update_fields=["veto_cleared" if veto else "points"])
        inspection._history_user = user
        inspection_totals_store(inspection=inspection)
        if not item_needs_rectification(item=item):
            rectification_cancel(item_id=item.pk, user=user, note=f"申诉已支持，无需整改：{note}")
    if appeal.filed_by_id:
        notification_send(
            recipients=[appeal.filed_by],
            title=gettext_noop("申诉%(outcome)s：%(indicator)s"),
            body=gettext_noop("%(note)s"),
            link=reverse("inspections:detail", args=[inspection.pk]),
            params={
                "outcome": in_each_language(appeal.get_state_display),
                "indicator": in_each_language(lambda: item.indicator.name),
                "note": note,
            },
        )
    return appeal
