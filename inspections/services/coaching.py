"""Coaching visits: a weekly plan and a visit report per hall."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from halls.models import Hall
from inspections.models import CoachingKind, CoachingVisit, LookBackItem
from inspections.services.plans import plan_line_fulfil_by_coaching


@transaction.atomic
def coaching_visit_record(*, user, hall: Hall, kind: str, visit_date: dt.date, content: str) -> CoachingVisit:
    if kind not in CoachingKind.values:
        raise ApplicationError(_("类型无效"), field_errors={"kind": [_("请选择周计划、走访报告或驻点督导记录")]})
    content = content.strip()
    if not content:
        raise ApplicationError(_("请填写内容"), field_errors={"content": [_("请填写内容")]})
    if kind in (CoachingKind.REPORT, CoachingKind.TEAM_VISIT) and visit_date > timezone.localdate():
        raise ApplicationError(
            _("走访报告的日期不能晚于今天"), field_errors={"visit_date": [_("走访报告的日期不能晚于今天")]}
        )
    visit = CoachingVisit(
        hall=hall,
        kind=kind,
        visit_date=visit_date,
        week_start=visit_date - dt.timedelta(days=visit_date.weekday()),
        content=content,
        author=user,
    )
    visit._history_user = user
    visit.save()
    plan_line_fulfil_by_coaching(visit=visit)
    return visit


@transaction.atomic
def look_back_open(*, user, hall: Hall, finding: str) -> LookBackItem:
    """Record a finding at a supervised hall to look back at (回头看) until it is verified."""
    finding = finding.strip()
    if not finding:
        raise ApplicationError(_("请写明问题"), field_errors={"finding": [_("请写明问题")]})
    item = LookBackItem(hall=hall, finding=finding, opened_on=timezone.localdate(), opened_by=user)
    item._history_user = user
    item.save()
    return item


@transaction.atomic
def look_back_verify(*, user, hall: Hall, item_id: int, note: str) -> LookBackItem:
    """The district looked back and found the finding put right."""
    note = note.strip()
    if not note:
        raise ApplicationError(_("请写明验证情况"), field_errors={"verify_note": [_("请写明验证情况")]})
    item = LookBackItem.objects.select_for_update().filter(hall=hall, pk=item_id).first()
    if item is None or item.verified_on is not None:
        raise ApplicationError(_("没有待验证的该回头看事项"))
    item.verified_on = timezone.localdate()
    item.verified_by = user
    item.verify_note = note
    item._history_user = user
    item.save()
    return item
