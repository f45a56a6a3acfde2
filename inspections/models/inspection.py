"""Inspections and their item results: overt (明查), remote video (远程监控), special (专项) checks by
district managers, and mystery-shopper visits (暗访) imported from vendors' files.

All four share one shape: points per level-3 indicator of the scheme in force on the day, so that
grading, the hall archive and rectifications treat them alike. Totals are stored when an inspection
is submitted (or a visit imported), so grading reads one row per inspection, not its items.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from halls.models import Hall, Staff
from inspections.models.tree import CheckTemplate, Indicator, IndicatorScheme


class InspectionKind(models.TextChoices):
    OVERT = "overt", _("明查")
    REMOTE = "remote", _("远程监控")
    SPECIAL = "special", _("专项检查")
    MYSTERY = "mystery", _("暗访")


# Kinds that count towards the "overt and remote inspections" grading dimension.
ON_SITE_KINDS = (InspectionKind.OVERT, InspectionKind.REMOTE, InspectionKind.SPECIAL)


# Kinds that may be entered against a check template rather than the full tree.
TEMPLATE_KINDS = (InspectionKind.REMOTE, InspectionKind.SPECIAL)


class InspectionState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Inspection(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("营业厅"))
    scheme = models.ForeignKey(
        IndicatorScheme, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("指标体系")
    )
    kind = models.CharField(_("检查类型"), max_length=16, choices=InspectionKind.choices)
    # A remote or special check entered against a named subset of the tree; none: the full tree.
    template = models.ForeignKey(
        CheckTemplate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("检查模板"),
    )
    inspected_at = models.DateTimeField(_("检查时间"))
    month = models.DateField(_("所属月份"), help_text=_("检查时间所在月的第一天"))
    state = models.CharField(_("状态"), max_length=16, choices=InspectionState.choices, default=InspectionState.DRAFT)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("检查人"),
    )
    note = models.TextField(_("总体说明"), blank=True)
    # Mystery-shopper visits: who made them, under which id.
    vendor = models.CharField(_("暗访机构"), max_length=64, blank=True)
    external_id = models.CharField(_("暗访编号"), max_length=64, blank=True)
    scenario = models.CharField(_("暗访场景"), max_length=128, blank=True)
    shopper_code = models.CharField(_("暗访员编号"), max_length=64, blank=True)
    import_batch_id = models.BigIntegerField(_("导入批次"), null=True, blank=True, db_index=True)
    # Totals, recomputed by the server on submit and after an upheld appeal.
    points_awarded = models.DecimalField(_("得分"), max_digits=7, decimal_places=2, default=Decimal("0"))
    points_applicable = models.DecimalField(_("适用满分"), max_digits=7, decimal_places=2, default=Decimal("0"))
    score = models.DecimalField(_("百分制得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    vetoed = models.BooleanField(_("触发一票否决"), default=False)
    bonus_points = models.DecimalField(_("加分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    deduction_points = models.DecimalField(_("扣分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)
    # Made by the inspector's browser for one submission: a submit sent again (a retry after a timeout, a
    # double tap, a queued submit replayed) carries the same key and finds the inspection already submitted.
    submit_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords(excluded_fields=["lock_version"])

    class Meta:
        ordering = ["-inspected_at", "-pk"]
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InspectionKind.values), name="inspection_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=InspectionState.values), name="inspection_state_valid"),
            models.CheckConstraint(condition=Q(month__day=1), name="inspection_month_first_day"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100), name="inspection_score_0_100"
            ),
            models.CheckConstraint(
                condition=Q(points_awarded__gte=0, points_awarded__lte=F("points_applicable")),
                name="inspection_awarded_within_applicable",
            ),
            models.CheckConstraint(
                condition=~Q(kind=InspectionKind.MYSTERY) | ~Q(external_id=""), name="mystery_visit_has_external_id"
            ),
            # The full tree is the overt inspection's (and the mystery visit's) template.
            models.CheckConstraint(
                condition=Q(template__isnull=True) | Q(kind__in=TEMPLATE_KINDS), name="inspection_template_kind"
            ),
            models.UniqueConstraint(
                fields=["vendor", "external_id"], condition=~Q(external_id=""), name="visit_id_unique_per_vendor"
            ),
        ]
        indexes = [
            models.Index(fields=["month", "state", "kind"]),
            models.Index(fields=["hall", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind_text} {self.hall.code} {self.inspected_at:%Y-%m-%d}"

    @property
    def kind_text(self) -> str:
        """The kind as pages show it: with the check template's name when entered against one."""
        if self.template_id:
            return f"{self.get_kind_display()} · {self.template.name}"
        return str(self.get_kind_display())


class InspectionItem(models.Model):
    """One indicator's result in one inspection.

    Scored leaves: ``points`` awarded out of ``max_points`` (a copy of the indicator's points, so totals
    never need the tree), or ``not_applicable``. Veto items: a row means the veto was triggered, its
    note gives the reason; ``veto_cleared`` when HQ upheld the hall's appeal that it was wrongly triggered
    (the row stays, as the record of what the inspector found). Deduction and bonus items: ``points``
    taken off or given.
    """

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items", verbose_name=_("检查"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="results", verbose_name=_("指标"))
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("满分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    not_applicable = models.BooleanField(_("不适用"), default=False)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    # db_default too: imports and the bench loader write item rows with an explicit column list.
    veto_cleared = models.BooleanField(_("一票否决已撤销"), default=False, db_default=False)
    # The clerk on duty the finding concerns (a staff member of the inspected hall that month), when named:
    # the finding then counts in his staff archive and ranking.
    staff = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("当班营业员"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "indicator__order"]
        verbose_name = _("检查项结果")
        verbose_name_plural = _("检查项结果")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "indicator"], name="one_result_per_indicator"),
            models.CheckConstraint(condition=Q(points__isnull=True) | Q(points__gte=0), name="item_points_nonneg"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(max_points__gt=0, points__lte=F("max_points")) | Q(max_points=0),
                name="item_points_within_max",
            ),
            models.CheckConstraint(
                condition=~Q(not_applicable=True) | Q(points__isnull=True), name="na_item_has_no_points"
            ),
        ]

    @property
    def lost_points(self) -> Decimal:
        if self.not_applicable or self.points is None:
            return Decimal("0")
        return self.max_points - self.points
