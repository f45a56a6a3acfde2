"""Monthly grading: the policy it follows, each run of it, and one result row per hall and month."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from halls.i18n import name_field

# The policy and the statuses are read by the apps below scoring (inspections, surveys), so they live in halls;
# they are named here too, where the rest of grading is.
from halls.models import GradingPolicy, Hall, HallStatus, PolicyState, RankingGroup  # noqa: F401


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
    """One city done in one attempt of a run graded across workers (``HALLQ_GRADING_CHUNKS=city``).

    A mark, made (not done: no ``hall_count``) by the dispatch: a chunk task locks it, writes its city's
    final rows straight into the run's results and sets ``hall_count``, in one transaction (again,
    identically, if its message is redelivered); the finish step checks that every city's mark is done,
    makes the run a draft and deletes the marks. ``attempt`` is the run's ``started_at``: a run restarted
    after a failure never counts an older attempt's marks.
    """

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="chunks")
    city = models.ForeignKey("halls.CityCompany", on_delete=models.CASCADE, related_name="+")
    attempt = models.DateTimeField()
    hall_count = models.PositiveIntegerField(null=True)  # set when the city's rows are written
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


class BulletinLevel(models.TextChoices):
    PROVINCE = "province", _("全省")
    CITY = "city", _("地市")
    DISTRICT = "district", _("区县")


class BulletinState(models.TextChoices):
    PENDING = "pending", _("排队中")
    RENDERING = "rendering", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("失败")


class Bulletin(models.Model):
    """The monthly bulletin (通报) of a published month for the province, one city or one district, rendered
    as PDF by a Celery task and kept here (in the database, so that any worker or web process can serve it)."""

    run = models.ForeignKey(GradingRun, on_delete=models.CASCADE, related_name="bulletins")
    month = models.DateField(_("月份"))
    level = models.CharField(_("范围"), max_length=16, choices=BulletinLevel.choices)
    city = models.ForeignKey(
        "halls.CityCompany", null=True, blank=True, on_delete=models.CASCADE, related_name="bulletins"
    )
    district = models.ForeignKey(
        "halls.DistrictCompany", null=True, blank=True, on_delete=models.CASCADE, related_name="bulletins"
    )
    state = models.CharField(_("状态"), max_length=16, choices=BulletinState.choices, default=BulletinState.PENDING)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pages = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month", "level", "city__code", "district__code"]
        verbose_name = _("月度通报")
        verbose_name_plural = _("月度通报")
        constraints = [
            models.CheckConstraint(condition=Q(level__in=BulletinLevel.values), name="bulletin_level_valid"),
            models.CheckConstraint(condition=Q(state__in=BulletinState.values), name="bulletin_state_valid"),
            # The level names which of city and district are set: the province neither, a city its city,
            # a district its district and the district's city.
            models.CheckConstraint(
                condition=(Q(level=BulletinLevel.PROVINCE, city__isnull=True, district__isnull=True))
                | Q(level=BulletinLevel.CITY, city__isnull=False, district__isnull=True)
                | Q(level=BulletinLevel.DISTRICT, city__isnull=False, district__isnull=False),
                name="bulletin_level_matches_scope",
            ),
            models.CheckConstraint(
                condition=Q(state=BulletinState.READY) | Q(pdf__isnull=True), name="bulletin_pdf_ready"
            ),
            # One bulletin per run and scope: asking again re-renders the same row.
            models.UniqueConstraint(
                fields=["run"], condition=Q(level=BulletinLevel.PROVINCE), name="one_province_bulletin_per_run"
            ),
            models.UniqueConstraint(
                fields=["run", "city"], condition=Q(level=BulletinLevel.CITY), name="one_city_bulletin_per_run"
            ),
            models.UniqueConstraint(
                fields=["run", "district"],
                condition=Q(level=BulletinLevel.DISTRICT),
                name="one_district_bulletin_per_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope_name}"

    @property
    def scope_name(self) -> str:
        if self.level == BulletinLevel.DISTRICT:
            return f"{self.city.name} {self.district.name}"
        if self.level == BulletinLevel.CITY:
            return self.city.name
        return str(_("全省"))

    @property
    def filename(self) -> str:
        code = {
            BulletinLevel.CITY: getattr(self.city, "code", ""),
            BulletinLevel.DISTRICT: getattr(self.district, "code", ""),
        }
        return f"bulletin-{self.month:%Y-%m}-{self.level}{'-' + code[self.level] if self.level in code else ''}.pdf"
