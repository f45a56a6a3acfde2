"""Coaching visits (辅导走访): a district lead's weekly plan (Monday) and visit report (Friday) per hall,
kept searchable so that a hall's history survives staff turnover."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from halls.models import Hall


class CoachingKind(models.TextChoices):
    PLAN = "plan", _("周计划")
    REPORT = "report", _("走访报告")
    # A visit of the third-party team stationed at a supervised hall (督办): who came, when, what was found.
    TEAM_VISIT = "team_visit", _("驻点督导记录")


class CoachingVisit(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="coaching_visits", verbose_name=_("营业厅"))
    kind = models.CharField(_("类型"), max_length=16, choices=CoachingKind.choices)
    week_start = models.DateField(_("所在周（周一）"))
    visit_date = models.DateField(_("日期"))
    content = models.TextField(_("内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-visit_date", "-pk"]
        verbose_name = _("辅导走访")
        verbose_name_plural = _("辅导走访")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CoachingKind.values), name="coaching_kind_valid"),
            models.CheckConstraint(condition=Q(week_start__week_day=2), name="coaching_week_starts_monday"),
        ]
        indexes = [models.Index(fields=["hall", "visit_date"])]


class LookBackItem(models.Model):
    """A finding at a supervised hall (督办) to be looked back at (回头看): the district checks later that it was
    put right. While one is not verified, grading keeps the hall under supervision."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="look_back_items", verbose_name=_("营业厅"))
    finding = models.TextField(_("问题"))
    opened_on = models.DateField(_("提出日期"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    verified_on = models.DateField(_("验证日期"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verify_note = models.TextField(_("验证说明"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["verified_on", "-opened_on", "-pk"]
        verbose_name = _("回头看事项")
        verbose_name_plural = _("回头看事项")
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_on__isnull=True) | ~Q(verify_note=""), name="look_back_verified_with_note"
            ),
        ]
        indexes = [models.Index(fields=["hall", "verified_on"])]
