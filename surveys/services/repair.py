"""The repair list (不满意客户修复): the hall manager records how each dissatisfied customer was followed up."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.errors import ApplicationError
from halls.selectors import scope_for
from surveys.models import PhoneDisclosure, RepairCase, RepairState

PHONE_NOT_YOURS = gettext_noop("只有本厅店长可以查看客户的完整号码")


@transaction.atomic
def repair_case_update(*, case_id: int, user, state: str, follow_up: str) -> RepairCase:
    """Only the manager of the case's hall updates it; anyone else gets an ApplicationError."""
    case = RepairCase.objects.select_for_update().get(pk=case_id)
    scope = scope_for(user)
    if not (scope.is_hall_manager and scope.hall_id == case.hall_id):
        raise ApplicationError(_("只有本厅店长可以更新修复情况"))
    if state not in RepairState.values:
        raise ApplicationError(_("状态无效"), field_errors={"state": [_("状态无效")]})
    if state != RepairState.OPEN and not follow_up.strip():
        raise ApplicationError(_("请填写跟进情况"), field_errors={"follow_up": [_("请填写跟进情况")]})
    case.state = state
    case.follow_up = follow_up.strip()
    case.updated_by = user
    case.save(update_fields=["state", "follow_up", "updated_by", "updated_at"])
    return case


def repair_phone_disclose(*, case_id: int, user) -> str:
    """The customer's full number, for the manager of the case's hall who must call him back; the showing
    is recorded (who, when). Anyone else gets an ApplicationError and sees only the masked number. The
    number is neither logged nor stored again."""
    case = RepairCase.objects.select_related("response").get(pk=case_id)
    scope = scope_for(user)
    if not (scope.is_hall_manager and scope.hall_id == case.hall_id):
        raise ApplicationError(_(PHONE_NOT_YOURS))
    phone = case.response.respondent_phone
    if phone:
        PhoneDisclosure.objects.create(case=case, shown_to=user)
    return phone
