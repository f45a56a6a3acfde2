"""The hand-computed province (tests/scoring/conftest.py): every hall's composite, grade, ranks and
statuses for January to March 2026, graded and published month by month.

Composite = 0.4 × mystery + 0.3 × satisfaction + 0.2 × inspection + 0.1 × complaint score, with a missing
dimension's weight shared among the others; then + bonus (cap 5) − deductions; a veto caps it at 59 (D).
Ranks use the 'min' method (equal composites share the best rank). Top/bottom: rank ≤ size × 20 %.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.models import GradingRun, HallMonthResult, HallStatus, RunState
from scoring.services import grade_month, month_publish
from tests.scoring.conftest import FEB, JAN, MAR

pytestmark = pytest.mark.django_db

N, E, M, S = HallStatus.NORMAL, HallStatus.EXEMPT, HallStatus.MONITORED, HallStatus.SUPERVISED

# hall: (composite, grade, rank city, rank district, rank kind, status this month, status next month)
EXPECTED = {
    JAN: {
        1: ("94.00", "A", 1, 1, 1, N, N),  # 38 + 27 + 19 + 10; top, but no earlier month
        2: ("91.80", "A", 2, 2, 1, N, N),  # 36.8 + 27 + 18 + 10
        3: ("84.00", "B", 5, 4, 4, N, N),  # 34 + 24 + 16 + 10, tied with h4
        4: ("84.00", "B", 5, 4, 2, N, N),
        5: ("86.67", "B", 4, 3, 3, N, N),  # no mystery: 80 × 30/60 + 90 × 20/60 + 100 × 10/60 = 86.666…
        6: ("59.00", "D", 10, 6, 5, N, M),  # 36 + 27 + 18 + 10 = 91, vetoed → capped at 59, grade D
        7: ("87.00", "B", 3, 1, 2, N, N),  # 32 + 24 + 16 + 10 = 82, bonus 3 + 4 = 7 capped at 5
        8: ("71.00", "C", 7, 2, 3, N, N),  # 30 + 21 + 14 + (100 − 2 × 20) × 0.1
        9: ("60.00", "D", 8, 3, 5, N, M),  # 24 + 18 + 12 + 8 − 2; tied last-but-one with h10 → both bottom
        10: ("60.00", "D", 8, 3, 4, N, M),  # 22 + 18 + 10 + 10
    },
    FEB: {
        1: ("95.00", "A", 1, 1, 1, N, E),  # 38.4 + 27.6 + 19 + 10; top two months running → exempt
        2: ("92.60", "A", 2, 2, 1, N, E),  # 37.6 + 27 + 18 + 10
        3: ("84.00", "B", 4, 4, 2, N, N),
        4: ("82.00", "B", 5, 5, 3, N, N),  # three-way tie at 82 (h4, h5, h7)
        5: ("82.00", "B", 5, 5, 3, N, N),
        6: ("85.20", "B", 3, 3, 2, M, N),  # 35.2 + 24 + 16 + 10; out of the bottom
        7: ("82.00", "B", 5, 1, 3, N, N),
        8: ("75.00", "C", 9, 3, 5, N, N),
        9: ("64.40", "D", 10, 4, 5, M, M),  # bottom again but improved by 4.4 ≥ 3 → still only monitored
        10: ("60.40", "D", 11, 5, 6, M, S),  # bottom twice, improved by only 0.4 → supervised
        12: ("81.25", "B", 8, 2, 4, N, N),  # opened 10 Feb; no inspection: 70 × 40/80 + 90 × 30/80 + 100 × 10/80
    },
    MAR: {
        1: ("82.00", "B", 4, 4, 2, E, N),  # fell out of the top
        2: ("94.00", "A", 1, 1, 1, E, E),  # 38 + 27 + 19 + 10 (inspection 47.5 of 50 on tree v2 = 95 %)
        3: ("91.00", "A", 2, 2, 1, N, N),  # top now, but not in February
        4: ("82.00", "B", 4, 4, 3, N, N),
        5: ("82.00", "B", 4, 4, 2, N, N),
        6: ("84.00", "B", 3, 3, 2, N, N),
        7: ("82.00", "B", 4, 1, 2, N, N),
        8: ("75.00", "C", 9, 3, 5, N, N),
        9: ("73.00", "C", 10, 4, 5, M, M),  # bottom a third time, improved by 8.6
        10: ("82.00", "B", 4, 1, 3, S, N),  # out of the bottom: leaves supervision
        12: ("64.00", "D", 11, 5, 6, N, M),
    },
}


def _grade_and_publish(province, months):
    runs = {}
    for month in months:
        runs[month] = grade_month(month=month, user=province.hq)
        month_publish(month=month, user=province.hq)
    return runs


def _actual(province, run) -> dict[int, tuple]:
    return {
        province.no(r.hall_id): (
            f"{r.composite}",
            r.grade,
            r.rank_city,
            r.rank_district,
            r.rank_kind,
            r.status,
            r.next_status,
        )
        for r in HallMonthResult.objects.filter(run=run, graded=True)
    }


def test_every_hall_of_the_province_gets_its_hand_computed_result_each_month(province):
    runs = _grade_and_publish(province, [JAN, FEB, MAR])
    for month, expected in EXPECTED.items():
        assert _actual(province, runs[month]) == expected, month


def test_a_hall_without_evidence_is_not_graded_and_not_ranked_with_the_reason(province):
    runs = _grade_and_publish(province, [JAN])
    h11 = HallMonthResult.objects.get(run=runs[JAN], hall=province.halls[11])
    assert (h11.graded, h11.composite, h11.grade, h11.rank_city) == (False, None, "", None)
    assert h11.not_graded_reason == "本月无暗访、满意度和检查数据"
    assert runs[JAN].halls_graded == 10 and runs[JAN].halls_not_graded == 1


def test_a_hall_opened_mid_period_has_no_row_before_it_opened(province):
    runs = _grade_and_publish(province, [JAN, FEB])
    assert not HallMonthResult.objects.filter(run=runs[JAN], hall=province.halls[12]).exists()
    assert HallMonthResult.objects.filter(run=runs[FEB], hall=province.halls[12], graded=True).exists()


def test_missing_dimensions_are_reweighted_and_each_line_is_kept(province):
    runs = _grade_and_publish(province, [JAN])
    h5 = HallMonthResult.objects.get(run=runs[JAN], hall=province.halls[5])
    # weights 30 / 20 / 10 of 60 → 50 %, 33.33 %, 16.67 %; the mystery line is empty
    assert (h5.mystery_score, h5.mystery_weight) == (None, None)
    assert (h5.satisfaction_score, h5.satisfaction_weight) == (Decimal("80.00"), Decimal("50.00"))
    assert (h5.inspection_score, h5.inspection_weight) == (Decimal("90.00"), Decimal("33.33"))
    assert (h5.complaint_score, h5.complaint_weight) == (Decimal("100.00"), Decimal("16.67"))


def test_veto_caps_and_bonus_cap_and_deductions_are_recorded(province):
    runs = _grade_and_publish(province, [JAN])
    rows = {province.no(r.hall_id): r for r in HallMonthResult.objects.filter(run=runs[JAN])}
    assert rows[6].vetoed and rows[6].composite == Decimal("59.00") and rows[6].grade == "D"
    assert rows[7].bonus_points == Decimal("5.00")  # 3 + 4 capped at 5
    assert rows[9].deduction_points == Decimal("2.00")
    assert rows[8].complaint_score == Decimal("60.00")  # 100 − 2 × 20


def test_each_month_is_graded_on_the_tree_version_in_force(province):
    runs = _grade_and_publish(province, [JAN, FEB, MAR])
    assert [runs[m].scheme for m in (JAN, FEB, MAR)] == [province.v1, province.v1, province.v2]


def test_rerunning_a_draft_month_gives_identical_rows(province):
    fields = [f.name for f in HallMonthResult._meta.fields if f.name not in ("id",)]
    first = grade_month(month=JAN, user=province.hq)
    before = list(HallMonthResult.objects.filter(run=first).order_by("hall_id").values_list(*fields))
    second = grade_month(month=JAN, user=province.hq)
    after = list(HallMonthResult.objects.filter(run=second).order_by("hall_id").values_list(*fields))
    assert second.pk == first.pk and second.revision == 1
    assert before == after
    assert GradingRun.objects.filter(month=JAN).count() == 1


def test_star_nominees_are_named_only_in_december(province):
    runs = _grade_and_publish(province, [JAN])
    assert not HallMonthResult.objects.filter(run=runs[JAN], star_nominee=True).exists()


def test_publishing_freezes_the_month_for_evidence_and_appeals(province):
    from halls.errors import ApplicationError
    from scoring.selectors import month_is_published, month_open_check

    grade_month(month=JAN, user=province.hq)
    month_open_check(month=JAN)  # a draft leaves the month open
    run = month_publish(month=JAN, user=province.hq)
    assert month_is_published(month=JAN)
    assert run.state == RunState.PUBLISHED and run.published_by == province.hq
    with pytest.raises(ApplicationError, match="2026-01 的评定结果已发布，该月已冻结"):
        month_open_check(month=JAN)
    month_open_check(month=FEB)


def test_star_nominees_in_december_come_from_the_years_archive_not_the_month(db):
    """Two halls, satisfaction only (weight 30 of 40 → 75 %, complaints 25 %), top share 50 % (one place).
    November: A 90 → 67.5 + 25 = 92.50, B 80 → 60 + 25 = 85.00.
    December: A 76 → 57 + 25 = 82.00, B 80 → 85.00: B leads the month,
    but the year's average is A (92.50 + 82.00) / 2 = 87.25 against B 85.00, so A is the nominee."""
    import datetime as dt

    from scoring.models import GradingPolicy, PolicyState
    from tests.factories import DistrictFactory, HallFactory
    from tests.scoring.factories import response_add

    GradingPolicy.objects.create(
        version=1, effective_from=dt.date(2025, 1, 1), state=PolicyState.ACTIVE, top_share=50, bottom_share=50
    )
    district = DistrictFactory()
    a, b = HallFactory(district=district), HallFactory(district=district)
    nov, dec = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
    response_add(a, nov, overall=9)
    response_add(b, nov, overall=8)
    response_add(a, dec, overall="7.6")
    response_add(b, dec, overall=8)
    grade_month(month=nov)
    month_publish(month=nov)
    run = grade_month(month=dec)
    rows = {r.hall_id: r for r in HallMonthResult.objects.filter(run=run)}
    assert (rows[a.pk].composite, rows[b.pk].composite) == (Decimal("82.00"), Decimal("85.00"))
    assert rows[b.pk].rank_city == 1
    assert (rows[a.pk].star_nominee, rows[b.pk].star_nominee) == (True, False)


def test_a_supervised_hall_stays_supervised_while_it_remains_in_the_bottom(province):
    """March without h10's improvement: h10 scores 60.00 (bottom again) and stays supervised."""
    from inspections.models import Inspection

    _grade_and_publish(province, [JAN, FEB])
    Inspection.objects.filter(hall=province.halls[10], month=MAR).delete()
    # h10 in March now has satisfaction 80 and complaints 100 only: 80 × 30/40 + 100 × 10/40 = 85.00 —
    # not bottom. Give it a deduction of 30 instead: 85 − 30 = 55.00, the lowest of the city.
    from surveys.models import AdjustmentKind
    from tests.scoring.factories import adjustment_add

    adjustment_add(province.halls[10], MAR, kind=AdjustmentKind.DEDUCTION, points=30)
    run = grade_month(month=MAR)
    h10 = HallMonthResult.objects.get(run=run, hall=province.halls[10])
    assert (h10.composite, h10.status, h10.in_bottom_share, h10.next_status) == (
        Decimal("55.00"),
        HallStatus.SUPERVISED,
        True,
        HallStatus.SUPERVISED,
    )
