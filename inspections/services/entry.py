"""Inspection entry: start a draft, save its items, submit it.

Entry fields are named ``points_<indicator id>``, ``na_<id>``, ``veto_<id>``, ``note_<id>`` and
``photos_<id>``; errors come back under the same names, so the page shows them beside the field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from halls.errors import ApplicationError
from halls.i18n import in_each_language
from halls.models import Hall, HallStatus, Role
from halls.month_state import hall_status_in, month_is_published
from halls.months import month_start
from halls.selectors import policy_in_force, staff_on_duty
from halls.services import notification_send
from inspections.models import (
    TEMPLATE_KINDS,
    CheckTemplate,
    Indicator,
    IndicatorKind,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionState,
)
from inspections.selectors import scheme_in_force, scheme_leaves
from inspections.services.photos import CheckedPhoto, photos_check, photos_store
from inspections.services.plans import plan_line_fulfil_by_inspection
from inspections.services.rectification import rectifications_open_for
from inspections.services.totals import inspection_totals_apply

ENTRY_KINDS = (InspectionKind.OVERT, InspectionKind.REMOTE, InspectionKind.SPECIAL)
HALF = Decimal("0.5")
CONFLICT_MESSAGE = gettext_noop("该检查已被他人修改，请刷新页面后重新录入")
SUBMITTED_MESSAGE = gettext_noop("该检查已提交，不能再修改；如有异议请走申诉流程")


class EntryConflict(ApplicationError):
    """Someone saved the draft after the version the page was showing."""


def entry_field(prefix: str, indicator_id: int) -> str:
    return f"{prefix}_{indicator_id}"


@dataclass
class ItemEntry:
    """What the page sent for one indicator."""

    points: Decimal | None = None
    not_applicable: bool = False
    vetoed: bool = False
    note: str = ""
    photos: list = field(default_factory=list)
    # The clerk on duty the finding concerns, when the inspector names one.
    staff_id: int | None = None


def inspection_month_check(*, hall: Hall, kind: str, month: dt.date) -> None:
    """Refuse evidence for a frozen month, and overt inspections of a hall exempt that month."""
    if month_is_published(month=month):
        raise ApplicationError(
            _("%(month)s 的评定已发布，该月已冻结，不能再录入检查") % {"month": f"{month:%Y-%m}"},
            field_errors={"inspected_at": [_("%(month)s 的评定已发布，该月已冻结") % {"month": f"{month:%Y-%m}"}]},
        )
    if kind == InspectionKind.OVERT and hall_status_in(hall_id=hall.pk, month=month) == HallStatus.EXEMPT:
        message = _("%(hall)s 是 %(month)s 的免检厅（上月评定前 10%% 连续达标），本月免于明查") % {
            "hall": hall.name,
            "month": f"{month:%Y-%m}",
        }
        raise ApplicationError(message, field_errors={"kind": [message]})


@transaction.atomic
def inspection_start(*, user, hall: Hall, kind: str, inspected_at: dt.datetime, template_code: str = "") -> Inspection:
    """A draft inspection of ``hall`` against the tree in force on its date: all of it, or, for a remote or
    special check, the check template of that tree named by ``template_code``."""
    if kind not in ENTRY_KINDS:
        raise ApplicationError(_("检查类型无效"), field_errors={"kind": [_("请选择明查、远程监控或专项检查")]})
    if timezone.is_naive(inspected_at):
        inspected_at = timezone.make_aware(inspected_at)
    if inspected_at > timezone.now():
        raise ApplicationError(_("检查时间不能晚于现在"), field_errors={"inspected_at": [_("检查时间不能晚于现在")]})
    day = timezone.localtime(inspected_at).date()
    month = month_start(day)
    inspection_month_check(hall=hall, kind=kind, month=month)
    try:
        scheme = scheme_in_force(on=day)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, field_errors={"inspected_at": [exc.message]}) from exc
    template = _template_for(scheme_id=scheme.pk, kind=kind, code=template_code) if template_code else None
    return Inspection.objects.create(
        hall=hall, scheme=scheme, kind=kind, template=template, inspected_at=inspected_at, month=month, inspector=user
    )


def _template_for(*, scheme_id: int, kind: str, code: str) -> CheckTemplate:
    if kind not in TEMPLATE_KINDS:
        message = _("明查按全部指标检查，不能选择检查模板")
        raise ApplicationError(message, field_errors={"template": [message]})
    template = CheckTemplate.objects.filter(scheme_id=scheme_id, code=code).first()
    if template is None:
        message = _("检查当天生效的指标体系中没有检查模板 %(code)s") % {"code": code}
        raise ApplicationError(message, field_errors={"template": [message]})
    return template


def _validate(
    *, indicators: list[Indicator], entries: dict[int, ItemEntry], submit: bool, staff_ids: frozenset[int]
) -> tuple[dict[int, ItemEntry], dict[str, list[str]]]:
    """The entries that make item rows, and every error by field name. ``staff_ids``: the clerks a finding
    may name (the hall's staff on duty that month)."""
    errors: dict[str, list[str]] = {}
    rows: dict[int, ItemEntry] = {}
    for ind in indicators:
        entry = entries.get(ind.pk, ItemEntry())
        points_field = entry_field("points", ind.pk)
        if len(entry.note) > 500:
            errors[entry_field("note", ind.pk)] = [_("说明不能超过 500 字")]
        if entry.staff_id is not None and entry.staff_id not in staff_ids:
            errors[entry_field("staff", ind.pk)] = [_("只能指明该营业厅当月在职的营业员")]
        if ind.kind == IndicatorKind.SCORED:
            if entry.not_applicable:
                if not ind.allow_na:
                    errors[entry_field("na", ind.pk)] = [
                        _("%(code)s %(name)s 不能标记为不适用") % {"code": ind.code, "name": ind.name}
                    ]
                elif entry.points is not None:
                    errors[points_field] = [_("标记为不适用的项不能同时填写得分")]
                rows[ind.pk] = entry
                continue
            if entry.points is None:
                if submit:
                    errors[points_field] = [
                        _("请填写 %(code)s %(name)s 的得分，或标记为不适用") % {"code": ind.code, "name": ind.name}
                    ]
                if entry.note or entry.photos or entry.staff_id:
                    rows[ind.pk] = entry
                continue
        elif ind.kind == IndicatorKind.VETO:
            if entry.vetoed:
                if not entry.note.strip():
                    errors[entry_field("note", ind.pk)] = [_("勾选一票否决项时须写明原因")]
                rows[ind.pk] = entry
            continue
        elif entry.points is None or entry.points == 0:
            continue
        maximum = ind.points or Decimal("0")
        if not (0 <= entry.points <= maximum):
            errors[points_field] = [_("得分应在 0 到 %(maximum)s 之间") % {"maximum": f"{maximum.normalize():f}"}]
        elif entry.points % HALF:
            errors[points_field] = [_("得分只能是 0.5 的整数倍")]
        rows[ind.pk] = entry
    return rows, errors


def _item_values(ind: Indicator, entry: ItemEntry) -> dict:
    if ind.kind == IndicatorKind.VETO:
        return {
            "points": None,
            "max_points": Decimal("0"),
            "not_applicable": False,
            "note": entry.note.strip(),
            "staff_id": entry.staff_id,
        }
    return {
        "points": None if entry.not_applicable else entry.points,
        "max_points": ind.points or Decimal("0"),
        "not_applicable": entry.not_applicable,
        "note": entry.note.strip(),
        # A clerk is named on a finding only: an N/A item found nothing.
        "staff_id": None if entry.not_applicable else entry.staff_id,
    }


@transaction.atomic
def inspection_save(
    *,
    inspection_id: int,
    user,
    lock_version: int,
    entries: dict[int, ItemEntry],
    submit: bool = False,
    note: str | None = None,
    submit_key: uuid.UUID | None = None,
) -> Inspection:
    """Save the draft's items (and submit it when ``submit``). All or nothing: any error saves nothing.

    ``lock_version`` is the version the page was rendered from; a save by someone else in between is a
    conflict, not a silent overwrite. ``submit_key`` is made by the browser for one submission: the same
    submission sent again finds the inspection it already submitted and changes nothing.
    """
    inspection = Inspection.objects.select_related("hall").get(pk=inspection_id)
    if inspection.state != InspectionState.DRAFT:
        if _already_submitted(inspection=inspection, submit=submit, submit_key=submit_key):
            return inspection
        raise ApplicationError(_(SUBMITTED_MESSAGE))
    indicators = scheme_leaves(scheme_id=inspection.scheme_id, template_id=inspection.template_id)
    on_duty = staff_on_duty(hall_id=inspection.hall_id, month=inspection.month)
    staff_ids = frozenset(on_duty.values_list("pk", flat=True))
    rows, errors = _validate(indicators=indicators, entries=entries, submit=submit, staff_ids=staff_ids)
    checked: dict[int, list[CheckedPhoto]] = {}
    for ind_id, entry in entries.items():
        if entry.photos:
            try:
                checked[ind_id] = photos_check(uploads=entry.photos, field=entry_field("photos", ind_id))
            except ApplicationError as exc:
                errors.update(exc.field_errors)
    if errors:
        raise ApplicationError(_("录入有误，请按提示修改后再保存；本次未保存任何内容"), field_errors=errors)
    if submit:
        inspection_month_check(hall=inspection.hall, kind=inspection.kind, month=inspection.month)

    claimed = Inspection.objects.filter(
        pk=inspection.pk, state=InspectionState.DRAFT, lock_version=lock_version
    ).update(lock_version=F("lock_version") + 1)
    if not claimed:
        # A double tap: the first request submitted the inspection while this one waited for the row.
        current = Inspection.objects.select_related("hall").get(pk=inspection.pk)
        if _already_submitted(inspection=current, submit=submit, submit_key=submit_key):
            return current
        raise EntryConflict(_(CONFLICT_MESSAGE))
    if note is not None and note.strip() != inspection.note:
        inspection.note = note.strip()
        inspection._history_user = user
        inspection.save(update_fields=["note"])

    by_id = {ind.pk: ind for ind in indicators}
    existing = {item.indicator_id: item for item in InspectionItem.objects.filter(inspection=inspection)}
    to_create, to_update = [], []
    for ind_id, entry in rows.items():
        values = _item_values(by_id[ind_id], entry)
        item = existing.pop(ind_id, None)
        if item is None:
            to_create.append(InspectionItem(inspection=inspection, indicator_id=ind_id, **values))
        elif any(getattr(item, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(item, name, value)
            to_update.append(item)
    if to_create:
        bulk_create_with_history(to_create, InspectionItem, default_user=user)
    if to_update:
        bulk_update_with_history(
            to_update, InspectionItem, ["points", "max_points", "not_applicable", "note", "staff"], default_user=user
        )
    for item in existing.values():  # cleared in this save: a few at most, recorded one by one
        item.delete()
    for ind_id, photos in checked.items():
        photos_store(photos=photos, user=user, hall_id=inspection.hall_id, inspection=inspection, indicator_id=ind_id)

    inspection.lock_version = lock_version + 1
    if submit:
        inspection_submit_finish(inspection=inspection, user=user, submit_key=submit_key)
    return inspection


def _already_submitted(*, inspection: Inspection, submit: bool, submit_key: uuid.UUID | None) -> bool:
    return (
        submit
        and submit_key is not None
        and inspection.state == InspectionState.SUBMITTED
        and inspection.submit_key == submit_key
    )


def inspection_submit_finish(*, inspection: Inspection, user, submit_key: uuid.UUID | None = None) -> None:
    """Totals, state, rectifications for every lost point and veto, and word to the hall."""
    inspection.state = InspectionState.SUBMITTED
    inspection.submitted_at = timezone.now()
    inspection.submit_key = submit_key
    inspection._history_user = user
    totals = inspection_totals_apply(inspection=inspection)
    inspection.save(update_fields=["state", "submitted_at", "submit_key", *totals])
    # The one place where an entered check meets the month's plan: it fulfils the line it answers.
    plan_line_fulfil_by_inspection(inspection=inspection)
    policy = policy_in_force(month=inspection.month)
    opened = rectifications_open_for(inspection_ids=[inspection.pk], due_days=policy.rectification_due_days)
    if opened:
        managers = get_user_model().objects.filter(
            profile__role=Role.HALL_MANAGER, profile__hall_id=inspection.hall_id, is_active=True
        )
        notification_send(
            recipients=managers,
            title=gettext_noop("%(hall)s 有 %(count)s 项待整改"),
            body=gettext_noop("%(inspection)s 已提交，请在 %(days)s 天内完成整改。"),
            params={
                "hall": inspection.hall.name,
                "count": opened,
                "inspection": in_each_language(lambda: str(inspection)),
                "days": policy.rectification_due_days,
            },
            link=reverse("inspections:detail", args=[inspection.pk]),
        )
