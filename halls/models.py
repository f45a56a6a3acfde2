"""The hall hierarchy (city company → district company → hall), marketing units, staff and user roles; the grading
policy and the statuses a hall can carry, which every app from inspections up reads."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from halls.i18n import message_render


class CityCompany(models.Model):
    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("地市公司")
        verbose_name_plural = _("地市公司")

    def __str__(self) -> str:
        return self.name


class DistrictCompany(models.Model):
    city = models.ForeignKey(CityCompany, on_delete=models.PROTECT, related_name="districts", verbose_name=_("地市"))
    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("区县公司")
        verbose_name_plural = _("区县公司")
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="district_name_unique_in_city")]

    def __str__(self) -> str:
        return self.name


class MarketingUnit(models.Model):
    city = models.ForeignKey(CityCompany, on_delete=models.PROTECT, related_name="units", verbose_name=_("地市"))
    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("营销单元")
        verbose_name_plural = _("营销单元")
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="unit_name_unique_in_city")]

    def __str__(self) -> str:
        return self.name


class HallKind(models.TextChoices):
    SELF_RUN = "self_run", _("自办厅")
    PARTNER = "partner", _("合作厅")


class Hall(models.Model):
    code = models.CharField(_("营业厅编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=HallKind.choices)
    district = models.ForeignKey(
        DistrictCompany, on_delete=models.PROTECT, related_name="halls", verbose_name=_("区县")
    )
    marketing_unit = models.ForeignKey(
        MarketingUnit, on_delete=models.PROTECT, related_name="halls", verbose_name=_("营销单元")
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    opened_on = models.DateField(_("开业日期"))
    closed_on = models.DateField(_("关闭日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在营"), default=True)
    # Who changed what and when (moved district or unit, closed, renamed): shown to HQ on the hall's history page.
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("营业厅")
        verbose_name_plural = _("营业厅")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=HallKind.values), name="hall_kind_valid"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="hall_closed_after_opened",
            ),
        ]
        indexes = [models.Index(fields=["district", "kind"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class OrganisationVersion(models.Model):
    """One row (id 1), raised by database triggers whenever a city or district company is inserted, updated or
    deleted, by any path: a service, ``queryset.update()``, the admin, an import. The ranking page's cached
    content lists the cities and districts in its filter, so its key holds this version
    (scoring.selectors.page_cache) and the page is found without reading them. The triggers are created by
    migration through :mod:`halls.hall_versions`; no row is version 0."""

    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="organisation_version_one_row")]

    def __str__(self) -> str:
        return f"organisation@{self.version}"


class HallVersion(models.Model):
    """A counter per hall that database triggers raise whenever a row the hall's archive page shows is written
    (its staff, inspections, rectifications, coaching visits, appeals, repair cases, complaints, bonus...), by
    any path: a service, ``queryset.update()``, an import, a COPY. The cached archive page is keyed by it
    (scoring.selectors.page_cache). The triggers are created by each owning app's migrations through
    :mod:`halls.hall_versions`; a hall without a row is at version 0."""

    hall = models.OneToOneField(Hall, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.hall_id}@{self.version}"


class StaffKind(models.TextChoices):
    EMPLOYEE = "employee", _("自有员工")
    PARTNER = "partner", _("合作方员工")
    OUTSOURCED = "outsourced", _("外包计件人员")


class Staff(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="staff", verbose_name=_("营业厅"))
    employee_no = models.CharField(_("工号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    kind = models.CharField(_("用工类型"), max_length=16, choices=StaffKind.choices)
    active_from = models.DateField(_("入职日期"))
    active_to = models.DateField(_("离职日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["hall", "employee_no"]
        verbose_name = _("营业员")
        verbose_name_plural = _("营业员")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StaffKind.values), name="staff_kind_valid"),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
                name="staff_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"


class Role(models.TextChoices):
    HQ = "hq", _("客服部（总部）")
    CITY_MANAGER = "city", _("地市客服")
    DISTRICT_MANAGER = "district", _("区县服务主管")
    HALL_MANAGER = "hall", _("营业厅店长")


class UserProfile(models.Model):
    """A user's role and the part of the hierarchy it covers.

    HQ sees everything; a city company's customer service (地市客服) the halls of its cities; a district
    manager the halls of his districts; a hall manager his hall.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    cities = models.ManyToManyField(CityCompany, blank=True, related_name="managers", verbose_name=_("负责地市"))
    districts = models.ManyToManyField(DistrictCompany, blank=True, related_name="managers", verbose_name=_("负责区县"))
    hall = models.ForeignKey(
        Hall, null=True, blank=True, on_delete=models.PROTECT, related_name="managers", verbose_name=_("所在营业厅")
    )
    # The interface language the user last picked in the switch; "" until he picks one (zh-hans then).
    language = models.CharField(_("界面语言"), max_length=16, blank=True, default="", choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="profile_role_valid"),
            models.CheckConstraint(
                condition=~Q(role=Role.HALL_MANAGER) | Q(hall__isnull=False), name="hall_manager_has_hall"
            ),
            models.CheckConstraint(
                condition=Q(role=Role.HALL_MANAGER) | Q(hall__isnull=True), name="only_hall_manager_has_hall"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Notification(models.Model):
    """An in-app message (escalations, decisions, finished jobs); also sent by e-mail where one is known."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # When set, title and body are message ids (Chinese, with %(name)s placeholders) filled with these
    # values and translated when shown, in the reader's language (halls.i18n); None: plain text.
    params = models.JSONField(null=True, blank=True, default=None)
    link = models.CharField(max_length=255, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    @property
    def title_text(self) -> str:
        return message_render(self.title, self.params)

    @property
    def body_text(self) -> str:
        return message_render(self.body, self.params)


class WorkerHeartbeat(models.Model):
    """When each Celery worker last ran its heartbeat task; the health endpoint reads it."""

    hostname = models.CharField(max_length=255, unique=True)
    last_seen = models.DateTimeField()


class PolicyState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("生效")
    RETIRED = "retired", _("已停用")


class RankingGroup(models.TextChoices):
    """The halls among which the top and bottom shares, and so the statuses, are decided."""

    CITY = "city", _("按地市")
    # Partner halls are run differently from self-run ones, so each kind may be judged among its own.
    CITY_KIND = "city_kind", _("按地市+厅类型")


class ActivityRule(models.TextChoices):
    """What the month's activity participation (活动参与) does to the composite, if anything."""

    NONE = "none", _("不计入")
    # Points at or above the target earn the rule's points, as a bonus item (within the bonus cap).
    BONUS = "bonus", _("达标加分")
    # Points below the target cost the rule's points, as a deduction item.
    DEDUCTION = "deduction", _("未达标扣分")


def _pct(name: str, default: str) -> models.DecimalField:
    return models.DecimalField(name, max_digits=5, decimal_places=2, default=Decimal(default))


class GradingPolicy(models.Model):
    """Every figure HQ may change about grading, versioned by the month it takes effect."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    effective_from = models.DateField(_("生效月份"))
    state = models.CharField(_("状态"), max_length=16, choices=PolicyState.choices, default=PolicyState.DRAFT)
    # Dimension weights, percent; they sum to 100.
    weight_mystery = _pct(_("暗访权重"), "40")
    weight_satisfaction = _pct(_("满意度权重"), "30")
    weight_inspection = _pct(_("明查及远程检查权重"), "20")
    weight_complaints = _pct(_("投诉权重"), "10")
    # Complaint dimension: 100 minus this many points per substantiated complaint, floored at 0.
    complaint_penalty = _pct(_("每件属实投诉扣分"), "20")
    bonus_cap = _pct(_("月度加分上限"), "5")
    veto_cap = _pct(_("一票否决封顶分"), "59")
    grade_a_min = _pct(_("A 级下限"), "90")
    grade_b_min = _pct(_("B 级下限"), "80")
    grade_c_min = _pct(_("C 级下限"), "70")
    top_share = _pct(_("前列比例(%)"), "10")
    bottom_share = _pct(_("末位比例(%)"), "10")
    consecutive_months = models.PositiveSmallIntegerField(_("连续月数"), default=2)
    improvement_threshold = _pct(_("改善幅度(分)"), "3")
    ranking_group = models.CharField(
        _("状态评定分组"),
        max_length=16,
        choices=RankingGroup.choices,
        default=RankingGroup.CITY,
        help_text=_("免检、末位（监控、督办）和星级厅提名在哪些营业厅之间比较"),
    )
    # Remote video patrols, in the operators' practice, find and fix: neither reported nor scored (不通报不考核).
    remote_checks_scored = models.BooleanField(
        _("远程监控计入评定"),
        default=False,
        help_text=_(
            "不勾选（默认）：远程监控不计入检查维度，其加分、扣分和一票否决也不计入评定；发现的问题照常开整改单。"
        ),
    )
    # Satisfaction warning (满意度预警): the index or a dimension (both 0–100) below this line, or down by
    # more than this many points from the month before.
    satisfaction_warning_below = _pct(_("满意度预警线"), "80")
    satisfaction_warning_drop = _pct(_("满意度环比下降预警(分)"), "5")
    # Activity participation (活动参与), an optional bonus or deduction item.
    activity_rule = models.CharField(
        _("活动参与规则"), max_length=16, choices=ActivityRule.choices, default=ActivityRule.NONE
    )
    activity_target_points = _pct(_("活动参与达标积分"), "10")
    activity_rule_points = _pct(_("活动参与加/扣分"), "1")
    appeal_window_days = models.PositiveSmallIntegerField(_("申诉时限(工作日)"), default=3)
    rectification_due_days = models.PositiveSmallIntegerField(_("整改期限(天)"), default=7)
    # An overdue rectification is raised to the district managers the day after its due date, to the
    # city company's customer service (地市客服) once it is more than city_escalation_after_days overdue,
    # and to the province HQ once more than hq_escalation_after_days, while still not fixed.
    city_escalation_after_days = models.PositiveSmallIntegerField(
        _("逾期升级地市天数"), default=3, help_text=_("整改逾期超过该天数仍未整改的，升级至地市客服部")
    )
    hq_escalation_after_days = models.PositiveSmallIntegerField(
        _("逾期升级省公司天数"),
        default=7,
        help_text=_("整改逾期超过该天数仍未整改的，升级至省公司客服部（总部）；须大于逾期升级地市天数"),
    )
    # Staff accountability: the share of each marketing unit's clerks listed for the bottom-ranked review
    # (末位), the share whose month earns a service star (服务之星), and what a named veto finding costs.
    staff_bottom_share = _pct(_("营业员末位比例(%)"), "10")
    staff_star_share = _pct(_("营业员服务之星比例(%)"), "10")
    staff_veto_penalty = _pct(_("营业员一票否决扣分"), "20")
    # After HQ, an item still not fixed is raised to HQ again every this many days, until it is.
    hq_repeat_every_days = models.PositiveSmallIntegerField(
        _("省公司重复预警间隔(天)"), default=3, help_text=_("升级至省公司后仍未整改的，每隔该天数再次预警，直至整改")
    )
    # The monthly inspection plan (检查计划) each status sets in motion. An exempt hall has no overt check
    # planned, whatever the figures: it is spared overt inspections (免检).
    plan_overt_normal = models.PositiveSmallIntegerField(_("正常厅每月明查次数"), default=1)
    plan_overt_monitored = models.PositiveSmallIntegerField(_("监控厅每月明查次数"), default=2)
    plan_overt_supervised = models.PositiveSmallIntegerField(_("督办厅每月明查次数"), default=4)
    plan_remote_normal = models.PositiveSmallIntegerField(_("正常厅每周远程巡检次数"), default=0)
    plan_remote_monitored = models.PositiveSmallIntegerField(
        _("监控厅每周远程巡检次数"), default=7, help_text=_("7 即每天巡检")
    )
    plan_remote_supervised = models.PositiveSmallIntegerField(_("督办厅每周远程巡检次数"), default=7)
    plan_team_visits_supervised = models.PositiveSmallIntegerField(_("督办厅每周驻点督导次数"), default=1)
    plan_mystery_per_quarter = models.PositiveSmallIntegerField(_("每季度每家暗访机构暗访次数"), default=1)
    # Early warning of falling into the bottom share next month (scoring.selectors.early_warning): a hall is
    # warned when at least warning_min_cases past cases stood as it stands and warning_risk % of them fell.
    warning_risk = _pct(_("末位预警风险线(%)"), "50")
    warning_min_cases = models.PositiveSmallIntegerField(
        _("末位预警最少先例数"), default=5, help_text=_("同样处境的历史先例少于该数时不作预警")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        # The table keeps the name it had when the policy was part of scoring: moving the model moved no data.
        db_table = "scoring_gradingpolicy"
        ordering = ["-effective_from", "-version"]
        verbose_name = _("评定规则")
        verbose_name_plural = _("评定规则")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PolicyState.values), name="policy_state_valid"),
            models.CheckConstraint(condition=Q(effective_from__day=1), name="policy_effective_first_of_month"),
            models.CheckConstraint(
                condition=Q(
                    weight_mystery__gte=0,
                    weight_satisfaction__gte=0,
                    weight_inspection__gte=0,
                    weight_complaints__gte=0,
                ),
                name="policy_weights_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(
                    weight_mystery=Decimal("100")
                    - F("weight_satisfaction")
                    - F("weight_inspection")
                    - F("weight_complaints")
                ),
                name="policy_weights_sum_100",
            ),
            models.CheckConstraint(
                condition=Q(grade_a_min__gt=F("grade_b_min"), grade_b_min__gt=F("grade_c_min"), grade_c_min__gt=0),
                name="policy_grade_bands_ordered",
            ),
            models.CheckConstraint(
                condition=Q(top_share__gt=0, top_share__lte=50, bottom_share__gt=0, bottom_share__lte=50),
                name="policy_shares_sane",
            ),
            models.CheckConstraint(
                condition=Q(
                    staff_bottom_share__gt=0,
                    staff_bottom_share__lte=50,
                    staff_star_share__gt=0,
                    staff_star_share__lte=50,
                    staff_veto_penalty__gte=0,
                    staff_veto_penalty__lte=100,
                ),
                name="policy_staff_shares_sane",
            ),
            models.CheckConstraint(
                condition=Q(ranking_group__in=RankingGroup.values), name="policy_ranking_group_valid"
            ),
            models.CheckConstraint(
                condition=Q(activity_rule__in=ActivityRule.values), name="policy_activity_rule_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    satisfaction_warning_below__gte=0,
                    satisfaction_warning_below__lte=100,
                    satisfaction_warning_drop__gte=0,
                    activity_target_points__gte=0,
                    activity_rule_points__gte=0,
                    activity_rule_points__lte=10,
                ),
                name="policy_satisfaction_activity_figures_sane",
            ),
            models.CheckConstraint(
                condition=Q(city_escalation_after_days__gte=1), name="policy_city_escalation_at_least_one_day"
            ),
            models.CheckConstraint(
                condition=Q(hq_escalation_after_days__gt=F("city_escalation_after_days")),
                name="policy_hq_escalation_after_city",
            ),
            models.CheckConstraint(condition=Q(hq_repeat_every_days__gte=1), name="policy_hq_repeat_at_least_one_day"),
            models.CheckConstraint(
                condition=Q(plan_remote_normal__lte=7, plan_remote_monitored__lte=7, plan_remote_supervised__lte=7),
                name="policy_plan_remote_at_most_daily",
            ),
            models.CheckConstraint(
                condition=Q(plan_overt_normal__lte=31, plan_overt_monitored__lte=31, plan_overt_supervised__lte=31),
                name="policy_plan_overt_at_most_daily",
            ),
            models.CheckConstraint(
                condition=Q(plan_team_visits_supervised__lte=7), name="policy_plan_team_at_most_daily"
            ),
            models.UniqueConstraint(
                fields=["effective_from"], condition=~Q(state=PolicyState.DRAFT), name="one_policy_per_effective_month"
            ),
        ]

    def __str__(self) -> str:
        return _("v%(version)s（%(month)s 起）") % {"version": self.version, "month": f"{self.effective_from:%Y-%m}"}


class HallStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    EXEMPT = "exempt", _("免检厅")
    MONITORED = "monitored", _("全方位监控厅")
    SUPERVISED = "supervised", _("督办厅")
