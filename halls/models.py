"""The hall hierarchy (city company → district company → hall), marketing units, staff and user roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
    DISTRICT_MANAGER = "district", _("区县服务主管")
    HALL_MANAGER = "hall", _("营业厅店长")


class UserProfile(models.Model):
    """A user's role and the part of the hierarchy it covers.

    HQ sees everything; a district manager the halls of his districts; a hall manager his hall.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
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
