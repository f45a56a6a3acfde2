"""Demo service bonus: pools for every unit and month; for each published month, the service volumes and staff
points a split needs where no import brought them, and a split (all approved but the latest, left for HQ to
review).

Deterministic and idempotent: existing pools, volumes, points and splits are kept as they are.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from halls.models import Hall, MarketingUnit, Staff
from halls.months import month_add, month_start
from incentives.models import BonusPool, BonusSplit
from incentives.selectors import published_run
from incentives.services import bonus_split_approve, coefficients_default_load, split_bonus
from surveys.models import ServiceVolume, StaffServicePoints


@dataclass
class DemoBonus:
    pools_created: int = 0
    splits_made: int = 0
    splits_approved: int = 0


@transaction.atomic
def demo_bonus_seed(*, months: int, today: dt.date) -> DemoBonus:
    coefficients_default_load()
    summary = DemoBonus()
    current = month_start(today)
    month_list = [month_add(current, -offset) for offset in range(months, -1, -1)]
    units = list(MarketingUnit.objects.order_by("code"))
    halls = list(Hall.objects.order_by("code"))
    staff = list(Staff.objects.order_by("employee_no"))
    halls_per_unit = {unit.pk: sum(1 for hall in halls if hall.marketing_unit_id == unit.pk) for unit in units}
    for month in month_list:
        pools = []
        for unit in units:
            rng = random.Random(f"pool-{unit.code}-{month:%Y%m}")
            amount = Decimal(halls_per_unit[unit.pk] * rng.randint(25, 45) * 100) + Decimal(rng.randint(0, 99)) / 100
            pools.append(BonusPool(marketing_unit=unit, month=month, amount=amount))
        before = BonusPool.objects.count()
        BonusPool.objects.bulk_create(pools, ignore_conflicts=True)
        summary.pools_created += BonusPool.objects.count() - before

    published = [month for month in month_list if published_run(month=month) is not None]
    for month in published:
        _volumes_seed(month=month, halls=halls)
        _points_seed(month=month, staff=staff)
        run = published_run(month=month)
        if BonusSplit.objects.filter(month=month, grading_run=run).exists():
            continue
        split = split_bonus(month=month, reason="" if not BonusSplit.objects.filter(month=month).exists() else "演示")
        summary.splits_made += 1
        if month != published[-1]:
            bonus_split_approve(split_id=split.pk)
            summary.splits_approved += 1
    return summary


def _volumes_seed(*, month: dt.date, halls: list[Hall]) -> None:
    rows = []
    for hall in halls:
        rng = random.Random(f"volume-{hall.code}-{month:%Y%m}")
        size = rng.randint(800, 4000)
        rows.append(
            ServiceVolume(
                hall=hall,
                month=month,
                front_desk=size,
                assisted_self_service=rng.randint(0, size // 2),
                self_service_terminal=rng.randint(0, size),
            )
        )
    ServiceVolume.objects.bulk_create(rows, ignore_conflicts=True)


def _points_seed(*, month: dt.date, staff: list[Staff]) -> None:
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    rows = []
    for person in staff:
        if person.active_from > month_end or (person.active_to is not None and person.active_to < month):
            continue
        rng = random.Random(f"points-{person.employee_no}-{month:%Y%m}")
        points = Decimal(rng.randint(6000, 20000)) / 100
        first = max(person.active_from, month)
        last = min(person.active_to or month_end, month_end)
        # Someone who joined or left during the month earns points only for the days he worked.
        points = (points * ((last - first).days + 1) / month_end.day).quantize(Decimal("0.01"))
        rows.append(StaffServicePoints(staff=person, month=month, points=points))
    StaffServicePoints.objects.bulk_create(rows, ignore_conflicts=True)
