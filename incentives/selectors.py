"""Reads for the service bonus, and who may see which amounts.

HQ sees every split, draft or approved, with unit, hall and staff amounts. District managers and hall managers
see approved splits only: a district manager the hall amounts of his districts, never staff amounts; a hall
manager his own hall's amount, how it was computed, and his staff's amounts. Nobody else sees anything.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from halls.models import Hall, MarketingUnit, Staff
from halls.months import month_start
from halls.selectors import Scope, scope_for
from incentives.models import BonusPool, BonusSplit, CoefficientTable, HallBonus, SplitState, StaffBonus, UnitBonus
from scoring.models import GradingRun, RunState


def coefficients_in_force(*, month: dt.date) -> CoefficientTable:
    """The coefficient table governing ``month``: the latest version effective by then."""
    table = CoefficientTable.objects.filter(effective_from__lte=month_start(month)).order_by("-effective_from").first()
    if table is None:
        raise ApplicationError(_("%(month)s 没有生效的酬金系数表") % {"month": f"{month:%Y-%m}"})
    return table


def published_run(*, month: dt.date) -> GradingRun | None:
    return GradingRun.objects.filter(month=month_start(month), state=RunState.PUBLISHED, is_what_if=False).first()


def pool_list(*, month: dt.date) -> QuerySet[BonusPool]:
    return BonusPool.objects.filter(month=month_start(month)).select_related("marketing_unit")


def month_is_frozen(*, month: dt.date) -> bool:
    """A month with an approved split: its pools and its split no longer change."""
    return BonusSplit.objects.filter(month=month_start(month), state=SplitState.APPROVED).exists()


def staff_amounts_visible(*, scope: Scope, hall: Hall) -> bool:
    """Staff amounts are for HQ and for the manager of that hall; nobody else."""
    return scope.is_hq or (scope.is_hall_manager and scope.hall_id == hall.pk)


def split_list(*, user) -> QuerySet[BonusSplit]:
    scope = scope_for(user)
    qs = BonusSplit.objects.select_related("grading_run", "coefficients", "created_by", "approved_by")
    if scope.is_hq:
        return qs
    if scope.manages_districts or scope.is_hall_manager:
        return qs.filter(state=SplitState.APPROVED)
    return qs.none()


def split_get(*, user, pk: int) -> BonusSplit:
    try:
        return split_list(user=user).get(pk=pk)
    except BonusSplit.DoesNotExist as exc:
        raise Http404("No bonus split in your scope matches") from exc


def split_units(*, user, split: BonusSplit) -> QuerySet[UnitBonus]:
    """Unit pools are HQ's figures."""
    qs = UnitBonus.objects.filter(split=split).select_related("marketing_unit")
    return qs if scope_for(user).is_hq else qs.none()


def split_halls(*, user, split: BonusSplit) -> QuerySet[HallBonus]:
    qs = HallBonus.objects.filter(split=split).select_related("hall__district", "unit__marketing_unit")
    return scope_for(user).filter(qs, hall_path="hall").order_by("unit__marketing_unit__code", "hall__code")


def hall_bonus_get(*, user, split_pk: int, hall_pk: int) -> HallBonus:
    split = split_get(user=user, pk=split_pk)
    try:
        return split_halls(user=user, split=split).get(hall_id=hall_pk)
    except HallBonus.DoesNotExist as exc:
        raise Http404("No hall bonus in your scope matches") from exc


def hall_staff_bonuses(*, user, hall_bonus: HallBonus) -> QuerySet[StaffBonus]:
    """The staff amounts of one hall, or nothing for those who may not see them."""
    qs = StaffBonus.objects.filter(hall_bonus=hall_bonus).select_related("staff").order_by("staff__employee_no")
    return qs if staff_amounts_visible(scope=scope_for(user), hall=hall_bonus.hall) else qs.none()


def split_staff(*, user, split: BonusSplit) -> QuerySet[StaffBonus]:
    """Every staff amount of a split: HQ's only (the staff page and the export)."""
    qs = StaffBonus.objects.filter(split=split).select_related(
        "staff", "hall_bonus__hall__district", "hall_bonus__unit__marketing_unit"
    )
    qs = qs.order_by("hall_bonus__unit__marketing_unit__code", "hall_bonus__hall__code", "staff__employee_no")
    return qs if scope_for(user).is_hq else qs.none()


def hall_bonus_latest(*, user, hall: Hall) -> HallBonus | None:
    """The hall's amount in the latest approved split, if the user may see the hall."""
    scope = scope_for(user)
    if not scope.includes(hall):
        return None
    return (
        HallBonus.objects.filter(hall=hall, split__state=SplitState.APPROVED)
        .select_related("split")
        .only("hall", "amount", "volume", "coefficient", "weight", "split__month")  # what the hall page shows
        .order_by("-split__month")
        .first()
    )


def pool_table(*, month: dt.date) -> list[tuple[MarketingUnit, BonusPool | None]]:
    """Every marketing unit with its pool for ``month`` (None where HQ has not set one)."""
    pools = {pool.marketing_unit_id: pool for pool in pool_list(month=month)}
    units = MarketingUnit.objects.select_related("city").order_by("city__code", "code")
    return [(unit, pools.get(unit.pk)) for unit in units]


def staff_bonus_by_month(*, user, staff: Staff, months: list[dt.date]) -> dict[dt.date, StaffBonus]:
    """The clerk's share of his hall's bonus in each month's approved split, for those who may see staff
    amounts (HQ and that hall's manager); empty for anyone else."""
    if not staff_amounts_visible(scope=scope_for(user), hall=staff.hall):
        return {}
    rows = StaffBonus.objects.filter(
        staff=staff, split__state=SplitState.APPROVED, split__month__in=months
    ).select_related("split")
    return {row.split.month: row for row in rows}
