"""Appeals (申诉): a hall contests one item of a submitted inspection; HQ upholds or rejects it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from halls.models import Hall
from inspections.models.inspection import Inspection, InspectionItem
from inspections.models.tree import IndicatorKind


class AppealState(models.TextChoices):
    PENDING = "pending", _("待裁定")
    UPHELD = "upheld", _("已支持")
    REJECTED = "rejected", _("已驳回")


class Appeal(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("检查"))
    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("申诉项"))
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("营业厅"))
    state = models.CharField(_("状态"), max_length=16, choices=AppealState.choices, default=AppealState.PENDING)
    reason = models.TextField(_("申诉理由"))
    # None for a veto item: the appeal asks that the veto be cleared, not for points.
    requested_points = models.DecimalField(_("申请改为(分)"), max_digits=6, decimal_places=2, null=True, blank=True)
    points_before = models.DecimalField(_("原得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    decided_points = models.DecimalField(_("裁定得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    decision_note = models.TextField(_("裁定理由"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("提交人")
    )
    filed_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    deadline = models.DateField(_("申诉截止日"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("裁定人"),
    )
    decided_at = models.DateTimeField(_("裁定时间"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    history = HistoricalRecords(excluded_fields=["lock_version"])

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=AppealState.values), name="appeal_state_valid"),
            models.CheckConstraint(condition=Q(requested_points__gte=0), name="appeal_requested_nonneg"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(state=AppealState.PENDING), name="one_pending_appeal_per_item"
            ),
            models.CheckConstraint(
                condition=Q(state=AppealState.PENDING) | Q(decided_at__isnull=False), name="decided_appeal_has_time"
            ),
        ]

    @property
    def is_veto(self) -> bool:
        """An appeal that the item's veto was wrongly triggered (needs ``item__indicator`` loaded)."""
        return self.item.indicator.kind == IndicatorKind.VETO
