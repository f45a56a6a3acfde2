"""Monthly grading: the policy it follows, each run of it, and one result row per hall and month."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from halls.i18n import name_field
from halls.models import Hall


class PolicyState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("生效")
    RETIRED = "retired", _("已停用")


class RankingGroup(models.TextChoices):
    """The halls among which the top and bottom shares, and so the statuses, are decided."""

    CITY = "city", _("按地市")
    # Partner halls are run differently from self-run ones, so each kind may be judged among its own.
    CITY_KIND = "city_kind", _("按地市+厅类型")


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
    appeal_window_days = models.PositiveSmallIntegerField(_("申诉时限(工作日)"), default=3)
    rectification_due_days = models.PositiveSmallIntegerField(_("整改期限(天)"), default=7)
    # An overdue rectification is raised to the district managers the day after its due date, and to
    # the city HQ once it is more than this many days overdue and still not fixed.
    city_escalation_after_days = models.PositiveSmallIntegerField(
        _("逾期升级地市天数"), default=3, help_text=_("整改逾期超过该天数仍未整改的，升级至地市客服部")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
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
                condition=Q(ranking_group__in=RankingGroup.values), name="policy_ranking_group_valid"
            ),
            models.CheckConstraint(
                condition=Q(city_escalation_after_days__gte=1), name="policy_city_escalation_at_least_one_day"
            ),
            models.UniqueConstraint(
                fields=["effective_from"], condition=~Q(state=PolicyState.DRAFT), name="one_policy_per_effective_month"
            ),
        ]

    def __str__(self) -> str:
        return _("v%(version)s（%(month)s 起）") % {"version": self.version, "month": f"{self.effective_from:%Y-%m}"}


class RunState(models.TextChoices):
    RUNNING = "running", _("计算中")
    DRAFT = "draft", _("待审核")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被重评替代")
    FAILED = "failed", _("失败")


class GradingRun(models.Model):
    """One grading of one month. Publishing freezes the month; a later correction is a new revision."""

    month = models.DateField(_("月份"))
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    state = models.CharField(_("状态"), max_length=16, choices=RunState.choices, default=RunState.RUNNING)
    is_what_if = models.BooleanField(_("模拟评定"), default=False)
    policy = models.ForeignKey(GradingPolicy, on_delete=models.PROTECT, related_name="runs")
    scheme = models.ForeignKey(
        "inspections.IndicatorScheme", null=True, blank=True, on_delete=models.PROTECT, related_name="grading_runs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("重评原因"), max_length=500, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    # Progress and failure messages are stored as their Chinese source text (the msgid) with their figures
    # apart, and translated when shown: a run is read in the language of whoever looks at it.
    message = models.CharField(max_length=500, blank=True)
    message_params = models.JSONField(default=dict, blank=True)
    halls_graded = models.PositiveIntegerField(default=0)
    halls_not_graded = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month", "-revision"]
        verbose_name = _("评定批次")
        verbose_name_plural = _("评定批次")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RunState.values), name="run_state_valid"),
            models.CheckConstraint(condition=Q(month__day=1), name="run_month_first_day"),
            # The database, not a flag in memory, refuses a second run of a month while one is running.
            models.UniqueConstraint(
                fields=["month"], condition=Q(state=RunState.RUNNING), name="one_running_grading_per_month"
            ),
            models.UniqueConstraint(
                fields=["month", "revision"], condition=Q(is_what_if=False), name="revision_unique_per_month"
            ),
            models.UniqueConstraint(
                fields=["month"], condition=Q(state=RunState.PUBLISHED), name="one_published_run_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} r{self.revision} {self.get_state_display()}"

    @property
    def message_text(self) -> str:
        """The run's message in the active language, its figures filled in ("" for none). A message stored
        without figures (a service's error, already in words) is shown as it is when it has no translation."""
        if not self.message:
            return ""
        text = gettext(self.message)
        return text % self.message_params if self.message_params else text


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class HallStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    EXEMPT = "exempt", _("免检厅")
    MONITORED = "monitored", _("全方位监控厅")
    SUPERVISED = "supervised", _("督办厅")


def _score(name) -> models.DecimalField:
    return models.DecimalField(name, max_digits=6, decimal_places=2, null=True, blank=True)


class HallMonthResult(models.Model):
    """A hall's month: each dimension's score, weight and contribution, so the composite can be explained
    line by line; its grade, ranks, and the status it carries into the next month."""

    # No index of their own: (run, hall) is unique and (hall, month) indexed, and each index is one more
    # write per row when a month's 20,000 results are stored.
    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="results", db_index=False)
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="results", db_index=False)
    month = models.DateField()
    graded = models.BooleanField(default=True)
    not_graded_reason = models.CharField(max_length=200, blank=True)
    mystery_score = _score(_("暗访得分"))
    mystery_weight = _score(_("暗访权重"))
    satisfaction_score = _score(_("满意度得分"))
    satisfaction_weight = _score(_("满意度权重"))
    inspection_score = _score(_("检查得分"))
    inspection_weight = _score(_("检查权重"))
    complaint_score = _score(_("投诉得分"))
    complaint_weight = _score(_("投诉权重"))
    bonus_points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    deduction_points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    vetoed = models.BooleanField(default=False)
    composite = _score(_("综合得分"))
    grade = models.CharField(max_length=1, choices=Grade.choices, blank=True)
    rank_city = models.PositiveIntegerField(null=True, blank=True)
    rank_district = models.PositiveIntegerField(null=True, blank=True)
    rank_kind = models.PositiveIntegerField(null=True, blank=True)
    city_size = models.PositiveIntegerField(null=True, blank=True)
    # The grouping the run's policy decided statuses in, and the number of graded halls in this hall's group:
    # its place there is rank_city (by city) or rank_kind (by city and hall kind).
    ranking_group = models.CharField(max_length=16, choices=RankingGroup.choices, default=RankingGroup.CITY)
    group_size = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=HallStatus.choices, default=HallStatus.NORMAL)
    next_status = models.CharField(max_length=16, choices=HallStatus.choices, default=HallStatus.NORMAL)
    star_nominee = models.BooleanField(default=False)
    # Where the hall stood in its group this month; later months read these to find streaks.
    in_top_share = models.BooleanField(default=False)
    in_bottom_share = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "rank_city", "hall__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "hall"], name="one_result_per_hall_per_run"),
            models.CheckConstraint(
                condition=Q(composite__isnull=True) | Q(composite__gte=0, composite__lte=110),
                name="result_composite_range",
            ),
            models.CheckConstraint(condition=Q(graded=True) | Q(rank_city__isnull=True), name="ungraded_not_ranked"),
            models.CheckConstraint(
                condition=Q(ranking_group__in=RankingGroup.values), name="result_ranking_group_valid"
            ),
        ]
        indexes = [models.Index(fields=["hall", "month"])]

    @property
    def group_rank(self) -> int | None:
        """The hall's place in the group its statuses were decided in."""
        return self.rank_kind if self.ranking_group == RankingGroup.CITY_KIND else self.rank_city


class ResultChange(models.Model):
    """What a re-grading of a published month changed for one hall: one row per changed figure."""

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="changes")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=32)
    before = models.CharField(max_length=32, blank=True)
    after = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["run", "hall__code", "field"]
        constraints = [models.UniqueConstraint(fields=["run", "hall", "field"], name="one_change_per_field")]


class GradingChunk(models.Model):
    """One city's scores for one attempt of a run graded across workers (``HALLQ_GRADING_CHUNKS=city``).

    A staging row: a chunk task writes it (again, identically, if its message is redelivered), the ranking
    step reads every city's row, writes the results and deletes the run's chunks in one transaction.
    ``attempt`` is the run's ``started_at``: a run restarted after a failure never reads an older attempt's
    chunks. ``scores`` holds the city's per-hall scores column by column (plain JSON numbers, so each
    float comes back bit for bit and the ranking matches the single-process run's).
    """

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="chunks")
    city = models.ForeignKey("halls.CityCompany", on_delete=models.CASCADE, related_name="+")
    attempt = models.DateTimeField()
    hall_count = models.PositiveIntegerField()
    scores = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "city", "attempt"], name="one_chunk_per_city_per_attempt"),
        ]


class CityDimensionFigure(models.Model):
    """A city's points applicable and awarded on one level-1 indicator in a published run's month: what
    each hall's archive compares the hall with. Written when the month is published (its evidence is
    frozen from then on), so that no archive page sums a whole city's items of the month."""

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="city_figures")
    city = models.ForeignKey("halls.CityCompany", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=32)
    name_zh = models.CharField(max_length=128)
    name_en = models.CharField(max_length=128)
    order = models.PositiveIntegerField(default=0)
    max_total = models.DecimalField(max_digits=14, decimal_places=2)
    awarded = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "city", "code"], name="one_figure_per_city_dimension"),
            models.CheckConstraint(
                condition=Q(awarded__gte=0, awarded__lte=F("max_total")), name="city_figure_awarded_range"
            ),
        ]

    @property
    def name(self) -> str:
        return getattr(self, name_field())
