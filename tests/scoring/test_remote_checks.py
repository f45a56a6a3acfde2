"""Remote video patrols (远程监控) find and fix; whether they count in grading is a policy setting
(``GradingPolicy.remote_checks_scored``), off by default: neither reported nor scored (不通报不考核)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from inspections.models import InspectionKind
from scoring.models import GradingPolicy, HallMonthResult
from scoring.services import grade_month
from scoring.services.policy import POLICY_FIELDS, policy_draft_create
from tests.scoring.conftest import JAN
from tests.scoring.factories import inspection_add


def _remote_checks(province) -> None:
    """h1 (overt inspection 95 of 100): a remote check 55 of 100 with 2 points of deductions.
    h2: a remote check whose veto item was triggered. h11 (only a complaint): a remote check 80 of 100."""
    halls, v1 = province.halls, province.v1
    inspection_add(halls[1], JAN, scheme=v1, awarded=55, kind=InspectionKind.REMOTE, deduction=2)
    inspection_add(halls[2], JAN, scheme=v1, awarded=100, kind=InspectionKind.REMOTE, vetoed=True)
    inspection_add(halls[11], JAN, scheme=v1, awarded=80, kind=InspectionKind.REMOTE)


def _results(run) -> dict[str, HallMonthResult]:
    return {r.hall.code: r for r in HallMonthResult.objects.filter(run=run).select_related("hall")}


def test_remote_checks_do_not_count_in_grading_by_default(province):
    assert GradingPolicy._meta.get_field("remote_checks_scored").default is False
    _remote_checks(province)
    results = _results(grade_month(month=JAN, user=province.hq))
    h1, h2, h11 = results["h01"], results["h02"], results["h11"]
    # h1 as if the remote check were not there: 95 × 0.4 + 90 × 0.3 + 95 × 0.2 + 100 × 0.1 = 94.00
    assert (h1.inspection_score, h1.deduction_points, h1.composite) == (
        Decimal("95.00"),
        Decimal("0.00"),
        Decimal("94.00"),
    )
    assert h2.vetoed is False
    assert h11.graded is False  # a remote check alone is no evidence to grade


def test_a_policy_that_scores_remote_checks_shows_its_effect_in_what_if(province, client):
    _remote_checks(province)
    live = grade_month(month=JAN, user=province.hq)
    draft = policy_draft_create(based_on=province.policy, effective_from=JAN)
    draft.remote_checks_scored = True
    draft.save()
    what_if = grade_month(month=JAN, user=province.hq, policy=draft, what_if=True)
    results = _results(what_if)
    h1, h2, h11 = results["h01"], results["h02"], results["h11"]
    # h1: inspection (95 + 55) / 200 = 75.00; 38 + 27 + 75 × 0.2 + 10 = 90.00, less 2 deducted = 88.00
    assert (h1.inspection_score, h1.deduction_points, h1.composite) == (
        Decimal("75.00"),
        Decimal("2.00"),
        Decimal("88.00"),
    )
    assert h2.vetoed is True and h2.grade == "D"
    assert h11.graded is True and h11.inspection_score == Decimal("80.00")

    client.force_login(province.hq)
    page = client.get(reverse("scoring:run_detail", args=[what_if.pk])).content.decode()
    assert '<span id="run-remote-checks">计入评定</span>' in page
    assert "现行结果不计入远程监控" in page
    page = client.get(reverse("scoring:run_detail", args=[live.pk])).content.decode()
    assert '<span id="run-remote-checks">不计入评定（不通报不考核）</span>' in page


def test_the_setting_is_edited_with_the_policy_and_copied_into_a_new_draft(province, client):
    assert "remote_checks_scored" in POLICY_FIELDS
    draft = policy_draft_create(based_on=province.policy, effective_from=dt.date(2026, 6, 1))
    client.force_login(province.hq)
    url = reverse("scoring:policy_update", args=[draft.pk])
    form = client.get(url).context["form"]
    assert "remote_checks_scored" in form.fields
    data = {name: value for name, value in form.initial.items() if value is not None and name != "remote_checks_scored"}
    data.update(effective_from="2026-06", lock_version=draft.lock_version, remote_checks_scored="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    draft.refresh_from_db()
    assert draft.remote_checks_scored is True
    assert policy_draft_create(based_on=draft, effective_from=dt.date(2026, 7, 1)).remote_checks_scored is True
