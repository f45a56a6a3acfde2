"""The service bonus (服务酬金): monthly pools per marketing unit, the grade coefficients, and each split of a
month's pools to halls and, within each hall, to its staff.

A split keeps every figure it used (volume, coefficient, weight, points) beside the amounts, so an amount can be
explained line by line after the evidence or the coefficient table has changed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from halls.models import Hall, MarketingUnit, Staff


def _money(name) -> models.DecimalField:
    return models.DecimalField(name, max_digits=14, decimal_places=2, default=Decimal("0"))


# Money sums are checked within half a cent: on PostgreSQL (exact numeric, whole cents) that is equality, and on
# SQLite, which stores decimals as floating point, 0.01 + 0.05 is not exactly 0.06.
HALF_CENT = Decimal("0.005")


def _balances(total: str, first: str, second: str, *, name: str) -> models.CheckConstraint:
    """A check that ``total`` = ``first`` + ``second``."""
    parts = F(first) + F(second)
    return models.CheckConstraint(
        condition=Q(**{f"{total}__gt": parts - HALF_CENT, f"{total}__lt": parts + HALF_CENT}), name=name
    )


def _coefficient(name, default: str) -> models.DecimalField:
    return models.DecimalField(name, max_digits=4, decimal_places=2, default=Decimal(default))


class BonusPool(models.Model):
    """The month's service-bonus pool of one marketing unit, set by HQ (entered in a form or imported)."""

    marketing_unit = models.ForeignKey(
        MarketingUnit, on_delete=models.PROTECT, related_name="bonus_pools", verbose_name=_("营销单元")
    )
    month = models.DateField(_("月份"))
    amount = models.DecimalField(_("酬金池金额（元）"), max_digits=14, decimal_places=2)
    import_batch = models.ForeignKey(
        "surveys.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "marketing_unit__code"]
        verbose_name = _("酬金池")
        verbose_name_plural = _("酬金池")
        constraints = [
            models.UniqueConstraint(fields=["marketing_unit", "month"], name="one_pool_per_unit_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="pool_month_first_day"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pool_amount_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.marketing_unit} {self.month:%Y-%m} ¥{self.amount}"


class CoefficientTable(models.Model):
    """Grade coefficients as versioned policy data: a month is split with the latest version effective by then."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    effective_from = models.DateField(_("生效月份"), unique=True)
    grade_a = _coefficient(_("A 级系数"), "1.20")
    grade_b = _coefficient(_("B 级系数"), "1.00")
    grade_c = _coefficient(_("C 级系数"), "0.80")
    grade_d = _coefficient(_("D 级系数"), "0.50")
    supervised = _coefficient(_("督办厅系数"), "0")
    vetoed = _coefficient(_("一票否决系数"), "0")
    not_graded = _coefficient(_("未评定系数"), "0")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("酬金系数表")
        verbose_name_plural = _("酬金系数表")
        constraints = [
            models.CheckConstraint(condition=Q(effective_from__day=1), name="coefficients_effective_first_of_month"),
            models.CheckConstraint(
                condition=Q(
                    grade_a__gte=0,
                    grade_b__gte=0,
                    grade_c__gte=0,
                    grade_d__gte=0,
                    supervised__gte=0,
                    vetoed__gte=0,
                    not_graded__gte=0,
                ),
                name="coefficients_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return _("v%(version)s（%(month)s 起）") % {"version": self.version, "month": f"{self.effective_from:%Y-%m}"}


class SplitState(models.TextChoices):
    DRAFT = "draft", _("待审批")
    APPROVED = "approved", _("已审批")
    SUPERSEDED = "superseded", _("已被替代")


class BonusSplit(models.Model):
    """One split of one month's pools. Approval freezes it; a re-split is a new revision with its reason."""

    month = models.DateField(_("月份"))
    revision = models.PositiveIntegerField(_("修订号"))
    state = models.CharField(_("状态"), max_length=16, choices=SplitState.choices, default=SplitState.DRAFT)
    grading_run = models.ForeignKey(
        "scoring.GradingRun", on_delete=models.PROTECT, related_name="bonus_splits", verbose_name=_("评定批次")
    )
    coefficients = models.ForeignKey(
        CoefficientTable, on_delete=models.PROTECT, related_name="splits", verbose_name=_("系数表")
    )
    reason = models.CharField(_("重新分配原因"), max_length=500, blank=True)
    # The request (one message to the split task) that made this split: a redelivered message finds it here
    # and makes no second split. Empty for splits made directly (the management command, the demo).
    request_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Totals, each one the sum of the rows below it; the constraints keep the books balanced.
    pool_total = _money(_("酬金池合计"))
    hall_total = _money(_("分配到营业厅"))
    unit_unallocated = _money(_("单元未分配"))
    staff_total = _money(_("分配到营业员"))
    hall_unallocated = _money(_("营业厅未分配"))
    # Money that could not be passed on, and why: [{"kind": ..., "unit"/"hall"/"staff": code, "amount": "1.00"}].
    notes = models.JSONField(_("说明"), default=list, blank=True)

    class Meta:
        ordering = ["-month", "-revision"]
        verbose_name = _("酬金分配")
        verbose_name_plural = _("酬金分配")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=SplitState.values), name="split_state_valid"),
            models.CheckConstraint(condition=Q(month__day=1), name="split_month_first_day"),
            models.UniqueConstraint(fields=["month", "revision"], name="split_revision_unique_per_month"),
            models.UniqueConstraint(
                fields=["month"], condition=Q(state=SplitState.APPROVED), name="one_approved_split_per_month"
            ),
            models.UniqueConstraint(
                fields=["month"], condition=Q(state=SplitState.DRAFT), name="one_draft_split_per_month"
            ),
            models.CheckConstraint(
                condition=~Q(state=SplitState.APPROVED) | Q(approved_at__isnull=False), name="split_approval_recorded"
            ),
            _balances("pool_total", "hall_total", "unit_unallocated", name="split_pool_balances"),
            _balances("hall_total", "staff_total", "hall_unallocated", name="split_halls_balance"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} r{self.revision} {self.get_state_display()}"

    def note_lines(self) -> list[str]:
        """The notes as sentences, in the user's language."""
        return [str(NOTE_TEXTS[note["kind"]]) % note for note in self.notes]


NOTE_TEXTS = {
    "unit_zero_weight": _("营销单元 %(unit)s 的营业厅权重均为 0，酬金池 ¥%(amount)s 未分配"),
    "hall_no_points": _("营业厅 %(hall)s 没有营业员服务积点，¥%(amount)s 留在营业厅未分配"),
    "unit_no_pool": _("营销单元 %(unit)s 有参与评定的营业厅，但本月没有酬金池"),
    "staff_not_employed": _("营业员 %(staff)s 当月不在职，其 %(points)s 服务积点未计入"),
}


class UnitBonus(models.Model):
    """A unit's pool in one split: how much reached its halls, and how much stayed unallocated and why."""

    # No index of its own on split in the three row tables: each one's unique constraint leads with it and serves
    # every lookup by split, and a second index on one value repeated 130,000 times was a quarter of the COPY.
    split = models.ForeignKey(BonusSplit, on_delete=models.CASCADE, related_name="units", db_index=False)
    marketing_unit = models.ForeignKey(MarketingUnit, on_delete=models.PROTECT, related_name="+")
    pool = _money(_("酬金池"))
    weight_total = models.DecimalField(_("权重合计"), max_digits=18, decimal_places=4, default=Decimal("0"))
    allocated = _money(_("已分配"))
    unallocated = _money(_("未分配"))

    class Meta:
        ordering = ["split", "marketing_unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["split", "marketing_unit"], name="one_unit_row_per_split"),
            models.CheckConstraint(
                condition=Q(pool__gte=0, allocated__gte=0, unallocated__gte=0, weight_total__gte=0),
                name="unit_bonus_nonneg",
            ),
            _balances("pool", "allocated", "unallocated", name="unit_bonus_balances"),
        ]


class CoefficientBasis(models.TextChoices):
    GRADE = "grade", _("按等级")
    SUPERVISED = "supervised", _("督办厅")
    VETOED = "vetoed", _("一票否决")
    NOT_GRADED = "not_graded", _("未评定")


class HallBonus(models.Model):
    """A hall's share of its unit's pool, with everything that produced it."""

    split = models.ForeignKey(BonusSplit, on_delete=models.CASCADE, related_name="halls", db_index=False)
    unit = models.ForeignKey(UnitBonus, on_delete=models.CASCADE, related_name="halls")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="bonuses")
    graded = models.BooleanField(_("已评定"), default=True)
    grade = models.CharField(_("等级"), max_length=1, blank=True)
    status = models.CharField(_("当月状态"), max_length=16, blank=True)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    coefficient_basis = models.CharField(_("系数依据"), max_length=16, choices=CoefficientBasis.choices)
    volume = models.PositiveIntegerField(_("业务量"), default=0)
    coefficient = models.DecimalField(_("系数"), max_digits=4, decimal_places=2)
    weight = models.DecimalField(_("权重"), max_digits=18, decimal_places=4)
    share = models.DecimalField(_("占酬金池比例"), max_digits=9, decimal_places=8, default=Decimal("0"))
    amount = _money(_("酬金（元）"))
    points_total = models.DecimalField(_("服务积点合计"), max_digits=12, decimal_places=2, default=Decimal("0"))
    staff_allocated = _money(_("已分配到营业员"))
    staff_unallocated = _money(_("未分配到营业员"))

    class Meta:
        ordering = ["split", "hall__code"]
        constraints = [
            models.UniqueConstraint(fields=["split", "hall"], name="one_hall_row_per_split"),
            models.CheckConstraint(condition=Q(coefficient_basis__in=CoefficientBasis.values), name="hall_basis_valid"),
            models.CheckConstraint(
                condition=Q(
                    weight__gte=0,
                    coefficient__gte=0,
                    share__gte=0,
                    share__lte=1,
                    amount__gte=0,
                    staff_allocated__gte=0,
                    staff_unallocated__gte=0,
                    points_total__gte=0,
                ),
                name="hall_bonus_nonneg",
            ),
            _balances("amount", "staff_allocated", "staff_unallocated", name="hall_bonus_balances"),
        ]


class StaffBonus(models.Model):
    """A staff member's share of his hall's amount, by the service points recorded for him that month."""

    split = models.ForeignKey(BonusSplit, on_delete=models.CASCADE, related_name="staff", db_index=False)
    hall_bonus = models.ForeignKey(HallBonus, on_delete=models.CASCADE, related_name="staff")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="bonuses")
    points = models.DecimalField(_("服务积点"), max_digits=8, decimal_places=2)
    share = models.DecimalField(_("占营业厅比例"), max_digits=9, decimal_places=8, default=Decimal("0"))
    amount = _money(_("酬金（元）"))
    left_in_month = models.BooleanField(_("当月离职"), default=False)

    class Meta:
        ordering = ["hall_bonus", "staff__employee_no"]
        constraints = [
            models.UniqueConstraint(fields=["split", "staff"], name="one_staff_row_per_split"),
            models.CheckConstraint(
                condition=Q(points__gte=0, amount__gte=0, share__gte=0, share__lte=1), name="staff_bonus_nonneg"
            ),
        ]
