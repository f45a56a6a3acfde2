"""The complaint care list (投诉客户关怀): the hall manager calls each complaining customer back and records
the outcome. The customer's full number is shown only to that caller, and every showing is recorded."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from halls.selectors import scope_for
from surveys.models import CareState, ComplaintCare, ComplaintPhoneView

NOT_CALLER_MESSAGE = "只有本厅店长可以回访投诉客户"


def _check_caller(*, care: ComplaintCare, user) -> None:
    scope = scope_for(user)
    if not (scope.is_hall_manager and scope.hall_id == care.hall_id):
        raise ApplicationError(_(NOT_CALLER_MESSAGE))


@transaction.atomic
def complaint_phone_reveal(*, care_id: int, user) -> str:
    """The customer's full number for the caller (the manager of the complaint's hall), recorded as shown."""
    care = ComplaintCare.objects.select_related("complaint").get(pk=care_id)
    _check_caller(care=care, user=user)
    ComplaintPhoneView.objects.create(care=care, user=user)
    return care.complaint.customer_phone


@transaction.atomic
def complaint_care_update(*, care_id: int, user, state: str, outcome: str) -> ComplaintCare:
    """Record the call back: the outcome is required once the case leaves 待回访, and the caller and time are
    the user's and now."""
    care = ComplaintCare.objects.select_for_update().get(pk=care_id)
    _check_caller(care=care, user=user)
    if state not in CareState.values:
        raise ApplicationError(_("状态无效"), field_errors={"state": [_("状态无效")]})
    if state != CareState.OPEN and not outcome.strip():
        raise ApplicationError(_("请填写回访情况"), field_errors={"outcome": [_("请填写回访情况")]})
    care.state = state
    care.outcome = outcome.strip()
    if state != CareState.OPEN:
        care.caller = user
        care.called_at = timezone.now()
    care.save(update_fields=["state", "outcome", "caller", "called_at", "updated_at"])
    return care
