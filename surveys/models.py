"""Evidence that arrives from other systems and third parties: satisfaction surveys, complaints,
activity participation, bonus and deduction events, service volumes and staff service points; and the
record of every import that brought it in."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from halls.models import Hall, Staff


class ImportKind(models.TextChoices):
    MYSTERY_VISITS = "mystery_visits", _("暗访结果")
    SURVEY_RESPONSES = "survey_responses", _("满意度调查")
    COMPLAINTS = "complaints", _("投诉")
    ACTIVITIES = "activities", _("活动参与")
    ADJUSTMENTS = "adjustments", _("加扣分事件")
    SERVICE_VOLUMES = "service_volumes", _("业务量")
    STAFF_POINTS = "staff_points", _("营业员服务积点")
    BONUS_POOLS = "bonus_pools", _("酬金池")
    # Master data: the organisation, halls, staff and user accounts (updated by code, not skipped).
    ORGANISATION = "organisation", _("组织机构（地市、区县、营销单元）")
    HALLS = "halls", _("营业厅")
    STAFF = "staff", _("营业员")
    USERS = "users", _("用户账号与角色")


# Updated by code on a re-import (rows not in the file are left alone), not skipped as evidence is.
MASTER_DATA_KINDS = (ImportKind.ORGANISATION, ImportKind.HALLS, ImportKind.STAFF, ImportKind.USERS)


class ImportState(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("处理中")
    SUCCEEDED = "succeeded", _("已导入")
    REJECTED = "rejected", _("有错误，未导入")
    FAILED = "failed", _("失败")


class ImportBatch(models.Model):
    """One uploaded file and what became of it. The file is kept so HQ can download it again."""

    kind = models.CharField(_("类型"), max_length=32, choices=ImportKind.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("文件名"), max_length=255)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    state = models.CharField(_("状态"), max_length=16, choices=ImportState.choices, default=ImportState.PENDING)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增行数"), default=0)
    rows_skipped = models.PositiveIntegerField(_("已存在（跳过）"), default=0)
    rows_updated = models.PositiveIntegerField(_("更新行数"), default=0, db_default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    # What the kind needs beyond the file, e.g. which survey the responses answer.
    params = models.JSONField(_("参数"), default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ImportKind.values), name="import_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=ImportState.values), name="import_state_valid"),
            models.CheckConstraint(condition=Q(rows_processed__lte=F("rows_total")), name="import_processed_le_total"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.state in (ImportState.SUCCEEDED, ImportState.REJECTED, ImportState.FAILED)

    # Validation fills the bar to this point; the insert (one transaction, which cannot report from
    # inside) takes the rest, and the message says which phase is running.
    VALIDATED_PERCENT = 80

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.rows_total:
            return 0
        return int(self.rows_processed * self.VALIDATED_PERCENT / self.rows_total)


class SurveyKind(models.TextChoices):
    CUSTOMER = "customer", _("客户满意度")
    STAFF = "staff", _("员工满意度")
    SUPPORT = "support", _("支撑部门满意度")


class SurveyDefinition(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=SurveyKind.choices)
    scale_max = models.PositiveSmallIntegerField(_("满分"), default=10)
    repair_threshold = models.DecimalField(
        _("修复阈值"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("6"),
        help_text=_("总体评分不高于此值的客户进入不满意客户修复清单"),
    )

    class Meta:
        verbose_name = _("调查问卷")
        verbose_name_plural = _("调查问卷")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SurveyKind.values), name="survey_kind_valid"),
            models.CheckConstraint(condition=Q(scale_max__gt=0), name="survey_scale_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class SurveyDimension(models.Model):
    survey = models.ForeignKey(SurveyDefinition, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField(_("编码"), max_length=32)
    name_zh = models.CharField(_("中文名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=64)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["survey", "order"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="dimension_code_unique_in_survey")]

    def __str__(self) -> str:
        return self.name_zh


class SurveyResponse(models.Model):
    survey = models.ForeignKey(SurveyDefinition, on_delete=models.PROTECT, related_name="responses")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="survey_responses")
    external_id = models.CharField(_("问卷编号"), max_length=64)
    responded_at = models.DateTimeField(_("填写时间"))
    month = models.DateField(_("所属月份"))
    respondent_phone = models.CharField(_("手机号"), max_length=20, blank=True)
    overall = models.DecimalField(_("总体评分"), max_digits=4, decimal_places=1)
    comment = models.CharField(_("意见"), max_length=1000, blank=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-responded_at"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "external_id"], name="response_id_unique_in_survey"),
            models.CheckConstraint(condition=Q(overall__gte=0), name="response_overall_nonneg"),
            models.CheckConstraint(condition=Q(month__day=1), name="response_month_first_day"),
        ]
        indexes = [models.Index(fields=["month", "hall"])]


class SatisfactionMonth(models.Model):
    """How many responses a hall's survey had in a month and the sum of their overall scores: what the
    satisfaction index reads (:func:`surveys.selectors.satisfaction_index_frame`), a few rows per hall
    instead of every response. Every writer of ``SurveyResponse`` adds its rows here in the same transaction
    (:func:`surveys.services.satisfaction.satisfaction_months_add`); responses are never deleted."""

    month = models.DateField(_("月份"))
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey(SurveyDefinition, on_delete=models.PROTECT, related_name="+")
    responses = models.PositiveIntegerField(_("答卷数"))
    overall_sum = models.DecimalField(_("总体评分合计"), max_digits=14, decimal_places=1)

    class Meta:
        constraints = [
            # Month first: grading reads one month's rows.
            models.UniqueConstraint(fields=["month", "hall", "survey"], name="one_satisfaction_row_per_hall_month"),
            models.CheckConstraint(condition=Q(responses__gte=0), name="satisfaction_responses_nonneg"),
            models.CheckConstraint(condition=Q(overall_sum__gte=0), name="satisfaction_overall_sum_nonneg"),
            models.CheckConstraint(condition=Q(month__day=1), name="satisfaction_month_first_day"),
        ]


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    dimension = models.ForeignKey(SurveyDimension, on_delete=models.PROTECT)
    score = models.DecimalField(max_digits=4, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "dimension"], name="one_answer_per_dimension"),
            models.CheckConstraint(condition=Q(score__gte=0), name="answer_score_nonneg"),
        ]


class RepairState(models.TextChoices):
    OPEN = "open", _("待修复")
    CONTACTED = "contacted", _("已联系")
    REPAIRED = "repaired", _("已修复")
    UNREACHABLE = "unreachable", _("无法联系")


class RepairCase(models.Model):
    """A dissatisfied customer (不满意客户) the hall manager follows up."""

    response = models.OneToOneField(SurveyResponse, on_delete=models.CASCADE, related_name="repair_case")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="repair_cases")
    state = models.CharField(_("状态"), max_length=16, choices=RepairState.choices, default=RepairState.OPEN)
    follow_up = models.TextField(_("跟进情况"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["state", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(state__in=RepairState.values), name="repair_state_valid")]


class PhoneDisclosure(models.Model):
    """One showing of a dissatisfied customer's full phone number to the hall manager who must call him
    back: who saw it and when (the number itself is not copied here)."""

    case = models.ForeignKey(RepairCase, on_delete=models.CASCADE, related_name="phone_disclosures")
    shown_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("查看人")
    )
    shown_at = models.DateTimeField(_("查看时间"), auto_now_add=True)

    class Meta:
        ordering = ["-shown_at", "-pk"]
        verbose_name = _("号码查看记录")
        verbose_name_plural = _("号码查看记录")


class Complaint(models.Model):
    external_id = models.CharField(_("投诉单号"), max_length=64, unique=True)
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="complaints")
    received_at = models.DateTimeField(_("受理时间"))
    month = models.DateField(_("所属月份"))
    category = models.CharField(_("类别"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=32)
    substantiated = models.BooleanField(_("属实"), default=False)
    # The complaining customer's number, for the care call (投诉客户关怀); shown in full only to the caller.
    customer_phone = models.CharField(_("客户手机号"), max_length=20, blank=True, default="")
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="complaint_month_first_day")]
        indexes = [models.Index(fields=["month", "hall"])]


class CareState(models.TextChoices):
    OPEN = "open", _("待回访")
    SATISFIED = "satisfied", _("已回访，客户认可")
    UNSATISFIED = "unsatisfied", _("已回访，客户仍不满意")
    UNREACHABLE = "unreachable", _("无法联系")


class ComplaintCare(models.Model):
    """A complaining customer the hall manager calls back (投诉客户关怀): who called, when, and the outcome."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="care")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="complaint_cares")
    state = models.CharField(_("状态"), max_length=16, choices=CareState.choices, default=CareState.OPEN)
    outcome = models.TextField(_("回访情况"), blank=True)
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["state", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=CareState.values), name="care_state_valid"),
            # Once called back, the case says who called and when.
            models.CheckConstraint(
                condition=Q(state="open") | Q(caller__isnull=False, called_at__isnull=False),
                name="care_called_has_caller",
            ),
        ]


class ComplaintPhoneView(models.Model):
    """Each time a complaining customer's full number was shown, and to whom (the record of disclosure)."""

    care = models.ForeignKey(ComplaintCare, on_delete=models.CASCADE, related_name="phone_views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at", "-pk"]


class ActivityParticipation(models.Model):
    external_id = models.CharField(_("记录编号"), max_length=64, unique=True)
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="activities")
    date = models.DateField(_("日期"))
    month = models.DateField(_("所属月份"))
    activity = models.CharField(_("活动"), max_length=128)
    points = models.DecimalField(_("积分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="activity_month_first_day")]


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("加分")
    DEDUCTION = "deduction", _("扣分")


class HallAdjustment(models.Model):
    """A bonus or deduction event outside inspections (a letter of praise, an award, a complaint)."""

    external_id = models.CharField(_("记录编号"), max_length=64, unique=True)
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="adjustments")
    date = models.DateField(_("日期"))
    month = models.DateField(_("所属月份"))
    kind = models.CharField(_("类型"), max_length=16, choices=AdjustmentKind.choices)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    reason = models.CharField(_("事由"), max_length=255)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdjustmentKind.values), name="adjustment_kind_valid"),
            models.CheckConstraint(condition=Q(points__gt=0), name="adjustment_points_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="adjustment_month_first_day"),
        ]
        indexes = [models.Index(fields=["month", "hall"])]


class ServiceVolume(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="volumes")
    month = models.DateField(_("月份"))
    front_desk = models.PositiveIntegerField(_("前台办理量"), default=0)
    assisted_self_service = models.PositiveIntegerField(_("协助自助办理量"), default=0)
    self_service_terminal = models.PositiveIntegerField(_("自助终端办理量"), default=0)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hall", "month"], name="one_volume_per_hall_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="volume_month_first_day"),
        ]

    @property
    def total(self) -> int:
        return self.front_desk + self.assisted_self_service + self.self_service_terminal


class StaffServicePoints(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="service_points")
    month = models.DateField(_("月份"))
    points = models.DecimalField(_("服务积点"), max_digits=8, decimal_places=2)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "month"], name="one_points_row_per_staff_month"),
            models.CheckConstraint(condition=Q(points__gte=0), name="staff_points_nonneg"),
            models.CheckConstraint(condition=Q(month__day=1), name="staff_points_month_first_day"),
        ]
