"""Splitting a month's pools to halls and staff, worked by hand, with the edge cases, approval and revisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from halls.errors import ApplicationError
from halls.models import Notification
from incentives.models import (
    BonusPool,
    BonusSplit,
    CoefficientBasis,
    CoefficientTable,
    HallBonus,
    SplitState,
    StaffBonus,
    UnitBonus,
)
from incentives.services import (
    FROZEN,
    NOT_PUBLISHED,
    POOL_FROZEN,
    REASON_REQUIRED,
    STALE_GRADING,
    STALE_POOLS,
    bonus_pool_set,
    bonus_split_approve,
    coefficients_default_load,
    split_bonus,
)
from scoring.models import GradingRun, HallMonthResult, HallStatus, RunState
from surveys.models import StaffServicePoints
from tests.factories import HallFactory, MarketingUnitFactory, StaffFactory, hq_user
from tests.incentives.factories import (
    BonusPoolFactory,
    CoefficientTableFactory,
    GradingRunFactory,
    ServiceVolumeFactory,
    StaffPointsFactory,
    published_month,
)

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def unit_example(db):
    """One marketing unit, pool ¥10,000.00, March 2026:

    hall   volume (front+assisted+terminal)  result                 coefficient  weight
    H1     1000 (600+300+100)                A                      1.2          1200
    H2     1500                              B                      1.0          1500
    H3      800                              C                      0.8           640
    H4     2000                              C, supervised in March 0               0
    H5      900                              A, vetoed              0               0
    H6      500                              not graded             0               0
    H7     3000                              closed in February     (not in the split)
                                                                    Σ weight     3340
    """
    CoefficientTableFactory()
    unit = MarketingUnitFactory()
    halls = {
        name: HallFactory(code=f"X-{name}", marketing_unit=unit, district__city=unit.city)
        for name in ("H1", "H2", "H3", "H4", "H5", "H6")
    }
    halls["H7"] = HallFactory(
        code="X-H7", marketing_unit=unit, district=halls["H1"].district, closed_on=dt.date(2026, 2, 10)
    )
    volumes = {
        "H1": (600, 300, 100),
        "H2": (1500, 0, 0),
        "H3": (800, 0, 0),
        "H4": (2000, 0, 0),
        "H5": (900, 0, 0),
        "H6": (500, 0, 0),
        "H7": (3000, 0, 0),
    }
    for name, (front, assisted, terminal) in volumes.items():
        ServiceVolumeFactory(
            hall=halls[name],
            month=MARCH,
            front_desk=front,
            assisted_self_service=assisted,
            self_service_terminal=terminal,
        )
    published_month(
        MARCH,
        {
            halls["H1"]: {"grade": "A"},
            halls["H2"]: {"grade": "B"},
            halls["H3"]: {"grade": "C"},
            halls["H4"]: {"grade": "C", "status": HallStatus.SUPERVISED},
            halls["H5"]: {"grade": "D", "vetoed": True},
            halls["H6"]: {"graded": False},
        },
    )
    BonusPoolFactory(marketing_unit=unit, month=MARCH, amount=Decimal("10000.00"))
    return halls


def _amounts(split) -> dict[str, Decimal]:
    return dict(HallBonus.objects.filter(split=split).values_list("hall__code", "amount"))


def test_a_unit_pool_is_split_by_volume_times_coefficient_to_the_cent(unit_example):
    split = split_bonus(month=MARCH)
    # 10000 × 1200/3340 = 3592.814…  → 359281 cents, remainder .437
    # 10000 × 1500/3340 = 4491.017…  → 449101 cents, remainder .796
    # 10000 ×  640/3340 = 1916.167…  → 191616 cents, remainder .766
    # 999998 cents: the 2 left over go to the two largest remainders, H2 and H3.
    assert _amounts(split) == {
        "X-H1": Decimal("3592.81"),
        "X-H2": Decimal("4491.02"),
        "X-H3": Decimal("1916.17"),
        "X-H4": Decimal("0.00"),
        "X-H5": Decimal("0.00"),
        "X-H6": Decimal("0.00"),
    }
    assert (split.state, split.revision, split.pool_total, split.hall_total) == (
        SplitState.DRAFT,
        1,
        Decimal("10000.00"),
        Decimal("10000.00"),
    )


def test_a_graded_hall_in_a_unit_without_a_pool_is_reported(unit_example):
    lonely = HallFactory(code="W-1")
    HallMonthResult.objects.create(
        run=GradingRun.objects.get(month=MARCH), hall=lonely, month=MARCH, grade="A", composite=Decimal("95")
    )
    split = split_bonus(month=MARCH)
    assert {"kind": "unit_no_pool", "unit": lonely.marketing_unit.code} in split.notes
    assert not HallBonus.objects.filter(split=split, hall=lonely).exists()


def test_each_hall_row_records_how_its_amount_was_computed(unit_example):
    split = split_bonus(month=MARCH)
    rows = {row.hall.code: row for row in HallBonus.objects.filter(split=split).select_related("hall")}
    h1 = rows["X-H1"]
    assert (h1.volume, h1.coefficient, h1.weight, h1.coefficient_basis) == (
        1000,
        Decimal("1.20"),
        Decimal("1200.0000"),
        CoefficientBasis.GRADE,
    )
    assert h1.share == Decimal("0.35928144")  # 1200 / 3340
    assert rows["X-H4"].coefficient_basis == CoefficientBasis.SUPERVISED
    assert rows["X-H5"].coefficient_basis == CoefficientBasis.VETOED
    assert rows["X-H6"].coefficient_basis == CoefficientBasis.NOT_GRADED
    assert UnitBonus.objects.get(split=split).weight_total == Decimal("3340")


def test_the_coefficients_are_policy_data(unit_example):
    CoefficientTableFactory(version=2, effective_from=MARCH, grade_a=Decimal("2.00"), supervised=Decimal("0.50"))
    split = split_bonus(month=MARCH)
    # weights: H1 1000 × 2.0 = 2000, H2 1500, H3 640, H4 2000 × 0.5 = 1000; Σ 5140
    rows = HallBonus.objects.filter(split=split)
    assert {row.hall.code: row.weight for row in rows if row.weight} == {
        "X-H1": Decimal("2000.0000"),
        "X-H2": Decimal("1500.0000"),
        "X-H3": Decimal("640.0000"),
        "X-H4": Decimal("1000.0000"),
    }
    assert split.coefficients.version == 2
    assert sum(_amounts(split).values()) == Decimal("10000.00")


def test_a_unit_whose_halls_all_weigh_zero_keeps_its_pool_unallocated(unit_example):
    other_unit = MarketingUnitFactory(city=unit_example["H1"].district.city)
    supervised = HallFactory(code="Z-1", marketing_unit=other_unit, district=unit_example["H1"].district)
    quiet = HallFactory(code="Z-2", marketing_unit=other_unit, district=unit_example["H1"].district)
    published = GradingRun.objects.get(month=MARCH, state=RunState.PUBLISHED)
    HallMonthResult.objects.create(run=published, hall=supervised, month=MARCH, grade="A", status=HallStatus.SUPERVISED)
    HallMonthResult.objects.create(run=published, hall=quiet, month=MARCH, grade="A")  # no volume at all
    ServiceVolumeFactory(hall=supervised, month=MARCH, front_desk=5000)
    BonusPoolFactory(marketing_unit=other_unit, month=MARCH, amount=Decimal("5000.00"))

    split = split_bonus(month=MARCH)

    zero_unit = UnitBonus.objects.get(split=split, marketing_unit=other_unit)
    assert (zero_unit.allocated, zero_unit.unallocated, zero_unit.weight_total) == (
        Decimal("0.00"),
        Decimal("5000.00"),
        Decimal("0"),
    )
    assert (split.pool_total, split.hall_total, split.unit_unallocated) == (
        Decimal("15000.00"),
        Decimal("10000.00"),
        Decimal("5000.00"),
    )
    assert {"kind": "unit_zero_weight", "unit": other_unit.code, "amount": "5000.00"} in split.notes


def test_the_workbook_has_a_units_sheet_where_a_unit_whose_pool_stayed_unallocated_appears(unit_example):
    import io

    import openpyxl

    from incentives.exports import split_workbook

    other_unit = MarketingUnitFactory(city=unit_example["H1"].district.city, code="MU-Z", name="零权重单元")
    quiet = HallFactory(code="Z-1", marketing_unit=other_unit, district=unit_example["H1"].district)
    published = GradingRun.objects.get(month=MARCH, state=RunState.PUBLISHED)
    HallMonthResult.objects.create(run=published, hall=quiet, month=MARCH, grade="A")  # no volume: weight 0
    BonusPoolFactory(marketing_unit=other_unit, month=MARCH, amount=Decimal("5000.00"))
    split = split_bonus(month=MARCH)

    content = split_workbook(
        split=split,
        units=list(UnitBonus.objects.filter(split=split).select_related("marketing_unit")),
        halls=list(HallBonus.objects.filter(split=split, weight__gt=0)),
        staff=[],
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["营销单元", "营业厅", "营业员", "说明"]
    rows = {row[0]: row for row in book["营销单元"].iter_rows(min_row=2, values_only=True)}
    # code, name, pool, weight total, allocated, unallocated, note
    assert rows["MU-Z"][:6] == ("MU-Z", "零权重单元", 5000, 0, 0, 5000)
    assert rows["MU-Z"][6] == "营销单元 MU-Z 的营业厅权重均为 0，酬金池 ¥5000.00 未分配"
    assert rows[unit_example["H1"].marketing_unit.code][2:6] == (10000, 3340, 10000, 0)
    notes = [row[0] for row in book["说明"].iter_rows(min_row=2, values_only=True)]
    assert "营销单元 MU-Z 的营业厅权重均为 0，酬金池 ¥5000.00 未分配" in notes
    assert any("5000.00" in line and other_unit.code in line for line in split.note_lines())


@pytest.fixture
def hall_example(db):
    """One hall alone in its unit, so it gets the whole pool of ¥1,000.00 in March 2026. Its staff:

    S1  45.5 points                      S4  left 2026-02-20, yet 9 points recorded  (ignored, reported)
    S2  30   points                      S5  joins 2026-04-02, 5 points recorded      (ignored, reported)
    S3  12   points, left 2026-03-15     S6  employed, no points recorded            (no row)
        Σ 87.5 points
    """
    CoefficientTableFactory()
    hall = HallFactory(code="Y-1")
    ServiceVolumeFactory(hall=hall, month=MARCH, front_desk=100)
    published_month(MARCH, {hall: {"grade": "B"}})
    BonusPoolFactory(marketing_unit=hall.marketing_unit, month=MARCH, amount=Decimal("1000.00"))
    staff = {
        "S1": StaffFactory(hall=hall, employee_no="S1"),
        "S2": StaffFactory(hall=hall, employee_no="S2"),
        "S3": StaffFactory(hall=hall, employee_no="S3", active_to=dt.date(2026, 3, 15)),
        "S4": StaffFactory(hall=hall, employee_no="S4", active_to=dt.date(2026, 2, 20)),
        "S5": StaffFactory(hall=hall, employee_no="S5", active_from=dt.date(2026, 4, 2)),
        "S6": StaffFactory(hall=hall, employee_no="S6"),
    }
    for code, points in {"S1": "45.5", "S2": "30", "S3": "12", "S4": "9", "S5": "5"}.items():
        StaffPointsFactory(staff=staff[code], month=MARCH, points=Decimal(points))
    return hall


def test_a_hall_amount_is_split_among_its_staff_by_points(hall_example):
    split = split_bonus(month=MARCH)
    # 1000 × 45.5/87.5 = 520.00 exactly; × 30/87.5 = 342.857… (34285 cents, rem .714); × 12/87.5 = 137.142…
    # (13714 cents, rem .286): 99999 cents, the left-over cent goes to S2.
    amounts = dict(StaffBonus.objects.filter(split=split).values_list("staff__employee_no", "amount"))
    assert amounts == {"S1": Decimal("520.00"), "S2": Decimal("342.86"), "S3": Decimal("137.14")}
    assert split.staff_total == split.hall_total == Decimal("1000.00")
    assert split.hall_unallocated == Decimal("0.00")


def test_a_staff_member_who_left_mid_month_is_paid_by_his_recorded_points(hall_example):
    split = split_bonus(month=MARCH)
    s3 = StaffBonus.objects.get(split=split, staff__employee_no="S3")
    assert (s3.points, s3.amount, s3.left_in_month) == (Decimal("12.00"), Decimal("137.14"), True)
    assert not StaffBonus.objects.get(split=split, staff__employee_no="S1").left_in_month


def test_points_of_someone_not_employed_that_month_are_ignored_and_reported(hall_example):
    split = split_bonus(month=MARCH)
    assert not StaffBonus.objects.filter(split=split, staff__employee_no__in=["S4", "S5", "S6"]).exists()
    assert {"kind": "staff_not_employed", "staff": "S4", "points": "9.00"} in split.notes
    assert {"kind": "staff_not_employed", "staff": "S5", "points": "5.00"} in split.notes
    assert HallBonus.objects.get(split=split).points_total == Decimal("87.50")


def test_a_hall_without_staff_points_keeps_its_amount_unallocated(hall_example):
    StaffServicePoints.objects.all().delete()
    split = split_bonus(month=MARCH)
    row = HallBonus.objects.get(split=split)
    assert (row.amount, row.staff_allocated, row.staff_unallocated) == (
        Decimal("1000.00"),
        Decimal("0.00"),
        Decimal("1000.00"),
    )
    assert (split.hall_total, split.staff_total, split.hall_unallocated) == (
        Decimal("1000.00"),
        Decimal("0.00"),
        Decimal("1000.00"),
    )
    assert {"kind": "hall_no_points", "hall": "Y-1", "amount": "1000.00"} in split.notes
    assert not StaffBonus.objects.filter(split=split).exists()


def test_a_month_not_yet_published_cannot_be_split(hall_example):
    april = dt.date(2026, 4, 1)
    GradingRunFactory(month=april, state=RunState.DRAFT)
    BonusPoolFactory(marketing_unit=hall_example.marketing_unit, month=april)
    with pytest.raises(ApplicationError, match=NOT_PUBLISHED.format(month="2026-04")):
        split_bonus(month=april)
    assert not BonusSplit.objects.filter(month=april).exists()


def test_splitting_again_supersedes_the_draft_with_a_new_revision(hall_example):
    first = split_bonus(month=MARCH)
    second = split_bonus(month=MARCH)
    first.refresh_from_db()
    assert (first.state, second.state, second.revision) == (SplitState.SUPERSEDED, SplitState.DRAFT, 2)


def test_approval_freezes_the_month_and_its_pools(hall_example):
    user = hq_user(username="approver")
    split = bonus_split_approve(split_id=split_bonus(month=MARCH).pk, user=user)
    assert (split.state, split.approved_by) == (SplitState.APPROVED, user)
    assert split.approved_at is not None
    with pytest.raises(ApplicationError, match=FROZEN.format(month="2026-03")):
        split_bonus(month=MARCH, reason="想再分一次")
    with pytest.raises(ApplicationError, match=POOL_FROZEN.format(month="2026-03")):
        bonus_pool_set(unit=hall_example.marketing_unit, month=MARCH, amount=Decimal("1.00"))
    assert BonusPool.objects.get().amount == Decimal("1000.00")


def test_a_re_split_after_a_re_grading_is_a_recorded_revision(hall_example):
    approved = bonus_split_approve(split_id=split_bonus(month=MARCH).pk)
    GradingRun.objects.filter(month=MARCH).update(state=RunState.SUPERSEDED)
    regraded = published_month(MARCH, {hall_example: {"grade": "A"}}, revision=2)

    with pytest.raises(ApplicationError, match=REASON_REQUIRED):
        split_bonus(month=MARCH)
    revision = split_bonus(month=MARCH, reason="申诉成立后重评")
    assert (revision.revision, revision.grading_run, revision.reason) == (2, regraded, "申诉成立后重评")
    approved.refresh_from_db()
    assert approved.state == SplitState.APPROVED  # stays in force until the revision is approved

    bonus_split_approve(split_id=revision.pk)
    approved.refresh_from_db()
    assert approved.state == SplitState.SUPERSEDED
    assert BonusSplit.objects.get(month=MARCH, state=SplitState.APPROVED) == revision


def test_a_draft_made_on_a_superseded_grading_cannot_be_approved(hall_example):
    draft = split_bonus(month=MARCH)
    GradingRun.objects.filter(month=MARCH).update(state=RunState.SUPERSEDED)
    published_month(MARCH, {hall_example: {"grade": "A"}}, revision=2)
    with pytest.raises(ApplicationError, match=STALE_GRADING):
        bonus_split_approve(split_id=draft.pk)


def test_a_draft_whose_pools_changed_since_cannot_be_approved(hall_example):
    draft = split_bonus(month=MARCH)
    bonus_pool_set(unit=hall_example.marketing_unit, month=MARCH, amount=Decimal("1200.00"))
    with pytest.raises(ApplicationError, match=STALE_POOLS):
        bonus_split_approve(split_id=draft.pk)
    draft.refresh_from_db()
    assert draft.state == SplitState.DRAFT


@pytest.mark.parametrize("amount", [Decimal("-1.00"), Decimal("1.005")])
def test_a_pool_must_be_whole_cents_and_not_negative(hall_example, amount):
    with pytest.raises(ApplicationError) as info:
        bonus_pool_set(unit=hall_example.marketing_unit, month=dt.date(2026, 5, 1), amount=amount)
    assert "amount" in info.value.field_errors
    assert not BonusPool.objects.filter(month=dt.date(2026, 5, 1)).exists()


def test_the_database_refuses_unbalanced_books_and_bad_pools(hall_example):
    split = split_bonus(month=MARCH)
    with pytest.raises(IntegrityError), transaction.atomic():
        BonusSplit.objects.filter(pk=split.pk).update(staff_total=Decimal("999.99"))
    with pytest.raises(IntegrityError), transaction.atomic():
        HallBonus.objects.filter(split=split).update(staff_allocated=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        BonusPool.objects.create(marketing_unit=hall_example.marketing_unit, month=MARCH, amount=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        BonusPool.objects.create(marketing_unit=MarketingUnitFactory(), month=MARCH, amount=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        BonusSplit.objects.filter(pk=split.pk).update(state=SplitState.APPROVED)  # approval without a time


def test_the_default_coefficient_table_is_loaded_once(db):
    CoefficientTable.objects.all().delete()  # the migration installs it; load it as on a database without
    table, created = coefficients_default_load()
    assert created
    assert (table.grade_a, table.grade_b, table.grade_c, table.grade_d, table.supervised, table.vetoed) == (
        Decimal("1.20"),
        Decimal("1.00"),
        Decimal("0.80"),
        Decimal("0.50"),
        Decimal("0"),
        Decimal("0"),
    )
    assert coefficients_default_load() == (table, False)


def test_the_command_splits_and_approves_a_month(hall_example):
    out = StringIO()
    call_command("split_bonus", "2026-03", "--approve", stdout=out)
    split = BonusSplit.objects.get(month=MARCH)
    assert split.state == SplitState.APPROVED
    assert "pools 1000.00" in out.getvalue()
    assert "S4" in out.getvalue()  # the ignored points are reported
    with pytest.raises(CommandError, match="已审批冻结"):
        call_command("split_bonus", "2026-03", stdout=out)
    with pytest.raises(CommandError, match="月份格式"):
        call_command("split_bonus", "2026-13", stdout=out)


def test_the_task_splits_and_notifies_the_user(hall_example):
    from incentives.tasks import split_bonus_task

    user = hq_user(username="hq_task")
    split_pk = split_bonus_task.delay("2026-03", user.pk).get()
    assert BonusSplit.objects.get(pk=split_pk).state == SplitState.DRAFT
    assert [note.title_text for note in Notification.objects.filter(recipient=user)] == [
        "2026-03 酬金分配已生成（第 1 版，待审批）"
    ]


def test_the_task_reports_a_refused_split_to_the_user(hall_example):
    from incentives.tasks import split_bonus_task

    user = hq_user(username="hq_task")
    assert split_bonus_task.delay("2026-04", user.pk).get() is None
    note = Notification.objects.get(recipient=user)
    assert note.title_text == "2026-04 酬金分配未完成"
    assert "尚未发布" in note.body_text
