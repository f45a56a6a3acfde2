"""Coaching visits: a weekly plan and a visit report per hall."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from halls.models import Hall
from inspections.models import CoachingKind, CoachingVisit


def coaching_visit_record(*, user, hall: Hall, kind: str, visit_date: dt.date, content: str) -> CoachingVisit:
    if kind not in CoachingKind.values:
        raise ApplicationError(_("类型无效"), field_errors={"kind": [_("请选择周计划或走访报告")]})
    content = content.strip()
    if not content:
        raise ApplicationError(_("请填写内容"), field_errors={"content": [_("请填写内容")]})
    if kind == CoachingKind.REPORT and visit_date > timezone.localdate():
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
    return visit
