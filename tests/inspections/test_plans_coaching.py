"""Supervision follow-through (督办): the on-site team's visits and coaching fulfil their plan lines (see
test_plans.py), and look-back items (回头看) must be verified before a hall can leave supervision."""

from __future__ import annotations

import pandas as pd
import pytest
from django.urls import reverse

from halls.errors import ApplicationError
from halls.models import HallStatus
from inspections.models import LookBackItem
from inspections.services.coaching import look_back_open, look_back_verify
from scoring.services.grading import supervision_hold


def _graded(hall, status: str, next_status: str) -> pd.DataFrame:
    return pd.DataFrame({"hall_id": [hall.pk], "status": [status], "next_status": [next_status]})


def test_a_supervised_hall_with_a_look_back_item_not_verified_stays_supervised(district_halls, march):
    _district, manager, halls = district_halls
    supervised = halls[HallStatus.SUPERVISED]
    item = look_back_open(user=manager, hall=supervised, finding="叫号机故障未修")

    # It left the bottom this month, but the finding is not verified: it stays supervised.
    held = supervision_hold(_graded(supervised, HallStatus.SUPERVISED, HallStatus.NORMAL))
    assert held["next_status"].tolist() == [HallStatus.SUPERVISED]

    look_back_verify(user=manager, hall=supervised, item_id=item.pk, note="已修复，现场复核正常")
    released = supervision_hold(_graded(supervised, HallStatus.SUPERVISED, HallStatus.NORMAL))
    assert released["next_status"].tolist() == [HallStatus.NORMAL]


def test_an_open_look_back_item_does_not_put_a_hall_under_supervision(district_halls, march):
    _district, manager, halls = district_halls
    normal = halls[HallStatus.NORMAL]
    look_back_open(user=manager, hall=normal, finding="宣传栏过期")

    graded = supervision_hold(_graded(normal, HallStatus.NORMAL, HallStatus.NORMAL))

    assert graded["next_status"].tolist() == [HallStatus.NORMAL]


def test_a_look_back_item_is_verified_once_and_with_a_note(district_halls, march):
    _district, manager, halls = district_halls
    item = look_back_open(user=manager, hall=halls[HallStatus.SUPERVISED], finding="排队超时")

    with pytest.raises(ApplicationError, match="请写明验证情况"):
        look_back_verify(user=manager, hall=item.hall, item_id=item.pk, note=" ")
    look_back_verify(user=manager, hall=item.hall, item_id=item.pk, note="已整改")
    with pytest.raises(ApplicationError, match="没有待验证"):
        look_back_verify(user=manager, hall=item.hall, item_id=item.pk, note="再次验证")


def test_the_district_opens_and_verifies_look_back_items_on_the_coaching_page(client, district_halls, march):
    _district, manager, halls = district_halls
    supervised = halls[HallStatus.SUPERVISED]
    url = reverse("inspections:coaching_list", args=[supervised.pk])
    client.force_login(manager)

    client.post(url, {"action": "look_back_open", "finding": "引导员缺岗"})
    item = LookBackItem.objects.get(hall=supervised)
    page = client.get(url).content.decode()
    assert f'data-look-back="{item.pk}" data-open="1"' in page
    client.post(url, {"action": "look_back_verify", "item": item.pk, "verify_note": "已到岗"})

    item.refresh_from_db()
    assert (item.verified_by, item.verify_note) == (manager, "已到岗")
    assert f'data-look-back="{item.pk}" data-open="0"' in client.get(url).content.decode()
