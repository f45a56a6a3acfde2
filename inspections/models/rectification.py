"""Rectifications (整改): every submitted item that lost points, and every veto, must be fixed by the hall
and verified by the district; overdue ones escalate level by level."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from halls.models import Hall
from inspections.models.inspection import Inspection, InspectionItem
from inspections.models.tree import Indicator


class RectificationState(models.TextChoices):
    OPEN = "open", _("待整改")
    FIXED = "fixed", _("待验证")
    VERIFIED = "verified", _("已验证")
    REOPENED = "reopened", _("退回重改")
    # The finding it answered was overturned on appeal (a veto cleared, the points restored in full).
    CANCELLED = "cancelled", _("已撤销")


# States in which the hall still owes a fix.
OUTSTANDING_STATES = (RectificationState.OPEN, RectificationState.REOPENED)
# States in which the rectification is settled: nothing more is asked of the hall or the district.
CLOSED_STATES = (RectificationState.VERIFIED, RectificationState.CANCELLED)


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("未升级")
    DISTRICT = 1, _("已预警区县主管")
    CITY = 2, _("已升级地市客服部")
    HQ = 3, _("已升级省公司客服部")


class Rectification(models.Model):
    item = models.OneToOneField(
        InspectionItem, on_delete=models.CASCADE, related_name="rectification", verbose_name=_("检查项")
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="rectifications", verbose_name=_("检查")
    )
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("营业厅"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标"))
    state = models.CharField(
        _("状态"), max_length=16, choices=RectificationState.choices, default=RectificationState.OPEN
    )
    due_date = models.DateField(_("整改期限"))
    escalation_level = models.PositiveSmallIntegerField(
        _("升级级别"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    fix_note = models.TextField(_("整改说明"), blank=True)
    fixed_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("整改人"),
    )
    review_note = models.TextField(_("验证意见"), blank=True)
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("验证人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    lock_version = models.PositiveIntegerField(default=0)

    history = HistoricalRecords(excluded_fields=["lock_version"])

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RectificationState.values), name="rectification_state_valid"),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0, escalation_level__lte=3), name="rectification_level_0_to_3"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_date"]), models.Index(fields=["hall", "state"])]


class WarningSubject(models.TextChoices):
    RECTIFICATION = "rectification", _("逾期整改")
    MONITORED_HALL = "monitored_hall", _("监控厅未改善")


class EscalationWarning(models.Model):
    """One warning sent about an item not yet fixed (逐级预警): to which level, on which day. An item is
    warned once a day at most, which the database enforces."""

    subject = models.CharField(_("预警事项"), max_length=16, choices=WarningSubject.choices)
    rectification = models.ForeignKey(
        Rectification, null=True, blank=True, on_delete=models.CASCADE, related_name="warnings"
    )
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="escalation_warnings")
    level = models.PositiveSmallIntegerField(_("预警级别"), choices=EscalationLevel.choices)
    sent_on = models.DateField(_("预警日期"))
    days_overdue = models.PositiveIntegerField(_("逾期天数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "-pk"]
        verbose_name = _("预警记录")
        verbose_name_plural = _("预警记录")
        constraints = [
            models.CheckConstraint(condition=Q(subject__in=WarningSubject.values), name="warning_subject_valid"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="warning_level_1_to_3"),
            models.CheckConstraint(
                condition=~Q(subject="rectification") | Q(rectification__isnull=False),
                name="rectification_warning_names_it",
            ),
            models.UniqueConstraint(
                fields=["rectification", "sent_on"],
                condition=Q(subject="rectification"),
                name="one_warning_per_rectification_per_day",
            ),
            models.UniqueConstraint(
                fields=["hall", "sent_on"], condition=Q(subject="monitored_hall"), name="one_warning_per_hall_per_day"
            ),
        ]
