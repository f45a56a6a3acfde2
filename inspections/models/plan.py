"""Monthly inspection plans (检查计划): what each hall's status sets in motion, line by line.

A plan is made per district and month when the month before is published (the statuses come from that
grading and the figures from the policy); each line is one check due (an overt inspection, a remote patrol,
a mystery visit, a visit of the on-site team, a coaching plan or report) with its inspector and due date.
Entering the check fulfils the line; a line past its due date is late, and missed once its month is over.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from halls.models import DistrictCompany, Hall, HallStatus
from inspections.models.coaching import CoachingVisit
from inspections.models.inspection import Inspection
from inspections.models.tree import IndicatorScheme


class PlanLineKind(models.TextChoices):
    OVERT = "overt", _("明查")
    REMOTE = "remote", _("远程巡检")
    MYSTERY = "mystery", _("暗访")
    TEAM_VISIT = "team_visit", _("驻点督导")
    COACHING_PLAN = "coaching_plan", _("辅导周计划（周一）")
    COACHING_REPORT = "coaching_report", _("辅导走访报告（周五）")


# Lines fulfilled by an inspection of the same kind, and those fulfilled by a coaching record.
INSPECTION_LINE_KINDS = (PlanLineKind.OVERT, PlanLineKind.REMOTE, PlanLineKind.MYSTERY)
COACHING_LINE_KINDS = (PlanLineKind.TEAM_VISIT, PlanLineKind.COACHING_PLAN, PlanLineKind.COACHING_REPORT)


class PlanLineState(models.TextChoices):
    PLANNED = "planned", _("待完成")
    DONE = "done", _("已完成")
    LATE = "late", _("已逾期")
    MISSED = "missed", _("未完成")


# A line still waiting for its check.
OPEN_LINE_STATES = (PlanLineState.PLANNED, PlanLineState.LATE)


class InspectionPlan(models.Model):
    district = models.ForeignKey(
        DistrictCompany, on_delete=models.PROTECT, related_name="plans", verbose_name=_("区县")
    )
    month = models.DateField(_("月份"))
    # The grading run (of the month before) whose statuses made the plan; a plain id, grading lives above.
    made_from_run_id = models.BigIntegerField(null=True, blank=True)
    made_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "district__code"]
        verbose_name = _("检查计划")
        verbose_name_plural = _("检查计划")
        constraints = [
            models.UniqueConstraint(fields=["district", "month"], name="one_plan_per_district_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="plan_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.month:%Y-%m}"


class PlanHall(models.Model):
    """The status a hall carries in the plan's month, as the plan was made from it."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="halls")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=HallStatus.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "hall"], name="one_status_per_hall_per_plan"),
            models.CheckConstraint(condition=Q(status__in=HallStatus.values), name="plan_hall_status_valid"),
        ]


class PlanLine(models.Model):
    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="lines")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="plan_lines", verbose_name=_("营业厅"))
    kind = models.CharField(_("检查类型"), max_length=16, choices=PlanLineKind.choices)
    scheme = models.ForeignKey(
        IndicatorScheme, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查模板")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_lines",
        verbose_name=_("检查人"),
    )
    due_date = models.DateField(_("完成期限"))
    # Mystery visits are planned per vendor (暗访机构); blank for every other kind.
    vendor = models.CharField(_("暗访机构"), max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=PlanLineState.choices, default=PlanLineState.PLANNED)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    coaching_visit = models.ForeignKey(
        CoachingVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "hall__code", "kind", "pk"]
        verbose_name = _("计划检查")
        verbose_name_plural = _("计划检查")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlanLineKind.values), name="plan_line_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=PlanLineState.values), name="plan_line_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=PlanLineState.DONE) | Q(done_on__isnull=False), name="plan_line_done_has_date"
            ),
            # One inspection fulfils one line at most.
            models.UniqueConstraint(fields=["inspection"], name="plan_line_one_per_inspection"),
            models.UniqueConstraint(fields=["coaching_visit"], name="plan_line_one_per_coaching_visit"),
        ]
        indexes = [models.Index(fields=["hall", "kind", "state"]), models.Index(fields=["state", "due_date"])]
