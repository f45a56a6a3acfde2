"""The audit trail reads as the reader speaks: field names, choice labels and people's names, not raw values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from inspections.models import InspectionItem
from inspections.services.appeals import appeal_decide, appeal_file
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import inspection_enter

pytestmark = pytest.mark.usefixtures("march", "policy")


@pytest.fixture
def decided(world, small_scheme):
    """Hall a1 lost 5 points on A1.1; its appeal was upheld by HQ (张敏)."""
    world.hq.first_name = "张敏"
    world.hq.save()
    inspection = inspection_enter(
        user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values={**FULL_MARKS, "A1.1": 20}
    )
    item = InspectionItem.objects.select_related("inspection", "indicator").get(
        inspection=inspection, indicator__code="A1.1"
    )
    appeal = appeal_file(user=world.manager_a1, item=item, reason="r", requested_points=Decimal(25))
    appeal_decide(user=world.hq, appeal_id=appeal.pk, lock_version=0, uphold=True, decided_points=25, note="ok")
    return inspection


def _audit_text(client, world, inspection, language: str) -> str:
    client.force_login(world.hq)
    client.cookies["django_language"] = language
    page = client.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    return page[page.index('id="audit-trail"') :]


def test_the_audit_trail_shows_field_names_choice_labels_and_full_names_in_chinese(client, world, decided):
    audit = _audit_text(client, world, decided, "zh-hans")
    assert "状态：待裁定 → 已支持" in audit
    assert "裁定人：— → 张敏" in audit
    assert "裁定时间：— → 2026-03-" in audit
    assert "decided" not in audit and "pending" not in audit


def test_the_audit_trail_reads_in_english_for_an_english_reader(client, world, decided):
    audit = _audit_text(client, world, decided, "en")
    assert "Pending decision → Upheld" in audit
    assert "Decided by" in audit and "— → 张敏" in audit
    assert "decided_by" not in audit and "pending →" not in audit
