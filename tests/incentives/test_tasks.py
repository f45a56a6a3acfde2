"""The split job through the real broker and a real worker process."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from incentives.models import BonusSplit, SplitState
from tests.factories import HallFactory, StaffFactory
from tests.incentives.factories import (
    BonusPoolFactory,
    CoefficientTableFactory,
    ServiceVolumeFactory,
    StaffPointsFactory,
    published_month,
)
from tests.worker import celery_worker, wait_for

MARCH = dt.date(2026, 3, 1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_splits_a_published_month():
    from incentives.tasks import split_bonus_task

    CoefficientTableFactory()
    hall = HallFactory()
    ServiceVolumeFactory(hall=hall, month=MARCH, front_desk=10)
    published_month(MARCH, {hall: {"grade": "A"}})
    BonusPoolFactory(marketing_unit=hall.marketing_unit, month=MARCH, amount=Decimal("100.00"))
    # 100.00 × (2, 1) / 3 = 66.666…, 33.333…: the left-over cent goes to the larger remainder.
    for points in ("2", "1"):
        StaffPointsFactory(staff=StaffFactory(hall=hall), month=MARCH, points=Decimal(points))

    with celery_worker() as (_process, queue):
        split_bonus_task.apply_async(args=("2026-03",), queue=queue)
        split = wait_for(lambda: BonusSplit.objects.filter(month=MARCH).first(), what="the split")
    assert split.state == SplitState.DRAFT
    assert sorted(split.staff.values_list("amount", flat=True)) == [Decimal("33.33"), Decimal("66.67")]
