"""The versioned three-level indicator tree.

A scheme is one version of the tree. It is edited while a draft, validated when activated, and never
changed afterwards: results point at the scheme they were scored against, so revising the tree means
copying the active scheme into a new draft (see ``inspections.services.tree``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from halls.i18n import name_field


class SchemeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("生效")
    RETIRED = "retired", _("已停用")


class IndicatorScheme(models.Model):
    version = models.PositiveIntegerField(_("版本"), unique=True)
    name = models.CharField(_("名称"), max_length=128)
    effective_from = models.DateField(_("生效月份"), help_text=_("该月第一天"))
    state = models.CharField(_("状态"), max_length=16, choices=SchemeState.choices, default=SchemeState.DRAFT)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("复制自"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-effective_from", "-version"]
        verbose_name = _("指标体系版本")
        verbose_name_plural = _("指标体系版本")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=SchemeState.values), name="scheme_state_valid"),
            models.CheckConstraint(condition=Q(effective_from__day=1), name="scheme_effective_first_of_month"),
            # One version in force per month: two non-draft schemes never start in the same month.
            models.UniqueConstraint(
                fields=["effective_from"], condition=~Q(state=SchemeState.DRAFT), name="one_scheme_per_effective_month"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"

    @property
    def is_editable(self) -> bool:
        return self.state == SchemeState.DRAFT


class IndicatorKind(models.TextChoices):
    SCORED = "scored", _("计分项")
    VETO = "veto", _("一票否决项")
    DEDUCTION = "deduction", _("扣分项")
    BONUS = "bonus", _("加分项")


class Indicator(models.Model):
    """A node of the tree. Scored leaves (level 3) carry the points; a scored parent's points are the
    sum of its children's. Veto, deduction and bonus items stand outside the 100 points as leaves."""

    scheme = models.ForeignKey(IndicatorScheme, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    level = models.PositiveSmallIntegerField(_("层级"))
    code = models.CharField(_("编码"), max_length=32)
    name_zh = models.CharField(_("中文名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=128)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, null=True, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=IndicatorKind.choices, default=IndicatorKind.SCORED)
    allow_na = models.BooleanField(_("可标记不适用"), default=False)
    # A substantiated complaint is scored once, in the grading's complaint dimension: a deduction item
    # recording one (有效投诉) is kept on the inspection, but deducts nothing from it.
    is_complaint = models.BooleanField(
        _("属实投诉"),
        default=False,
        help_text=_("记录属实投诉的扣分项：投诉只在评定的投诉维度计分一次，此项不再扣分。"),
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["scheme", "order", "code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="indicator_code_unique_in_scheme"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="indicator_level_1_to_3"),
            models.CheckConstraint(condition=Q(kind__in=IndicatorKind.values), name="indicator_kind_valid"),
            models.CheckConstraint(condition=Q(points__isnull=True) | Q(points__gte=0), name="indicator_points_nonneg"),
            models.CheckConstraint(
                condition=Q(is_complaint=False) | Q(kind=IndicatorKind.DEDUCTION),
                name="indicator_complaint_is_deduction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return getattr(self, name_field())

    @property
    def totals_kind(self) -> str:
        """The kind the inspection totals count this item as: none for a complaint (see ``is_complaint``)."""
        return "" if self.is_complaint else self.kind

    @property
    def is_special(self) -> bool:
        return self.kind != IndicatorKind.SCORED


class CheckTemplate(models.Model):
    """A named subset of a scheme's leaves (a queue patrol, a 5S environment check, a special topic) that a
    remote or special check is entered against. Edited with its draft scheme and frozen when the scheme is
    activated; the full tree remains the overt inspection's template."""

    scheme = models.ForeignKey(IndicatorScheme, on_delete=models.CASCADE, related_name="templates")
    code = models.CharField(_("编码"), max_length=32)
    name_zh = models.CharField(_("中文名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=128)
    indicators = models.ManyToManyField(Indicator, related_name="templates", verbose_name=_("检查项"))
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["scheme", "order", "code"]
        verbose_name = _("检查模板")
        verbose_name_plural = _("检查模板")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="check_template_code_unique_in_scheme"),
            models.CheckConstraint(condition=~Q(code=""), name="check_template_code_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return getattr(self, name_field())
