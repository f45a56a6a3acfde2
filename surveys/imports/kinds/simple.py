"""The one-table kinds: complaints, activity participation, bonus and deduction events, service volumes
and staff service points."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from halls.errors import ApplicationError
from halls.models import Staff
from surveys.bonus_months import BONUS_INPUTS_CLOSED, bonus_month_closed
from surveys.imports import cells
from surveys.imports.framework import Column, Importer, Record, Row
from surveys.models import (
    ActivityParticipation,
    AdjustmentKind,
    Complaint,
    ComplaintCare,
    HallAdjustment,
    ImportKind,
    ServiceVolume,
    StaffServicePoints,
)


class _ExternalIdImporter(Importer):
    """Rows keyed by the source system's record id (``external_id``, unique in the table)."""

    model: type[Model]

    def existing_keys(self, keys: list) -> set:
        found: set = set()
        for start in range(0, len(keys), 900):
            found.update(
                self.model.objects.filter(external_id__in=keys[start : start + 900]).values_list(
                    "external_id", flat=True
                )
            )
        return found

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        objects = [self.model(**record.data, import_batch_id=batch_id) for record in records]
        self.model.objects.bulk_create(objects, batch_size=500)
        return len(objects)


class ComplaintImporter(_ExternalIdImporter):
    kind = ImportKind.COMPLAINTS
    sheet_name = title = "投诉"
    model = Complaint
    columns = [
        Column("external_id", "投诉单号", "TS-2026-000001"),
        Column("hall_code", "营业厅编码", "SJZ-01-001"),
        Column("received_at", "受理时间", "2026-03-05 10:30"),
        Column("category", "类别", "服务态度"),
        Column("channel", "渠道", "10086"),
        Column("substantiated", "是否属实", "是"),
        Column("customer_phone", "客户手机号", "13800001234", required=False),
    ]

    def parse(self, row: Row) -> Record | None:
        data = dict(
            external_id=row.get("external_id", cells.text, max_length=64),
            hall_id=self.hall_id(row),
            received_at=row.get("received_at", cells.datetime),
            category=row.get("category", cells.text, max_length=64),
            channel=row.get("channel", cells.text, max_length=32),
            substantiated=row.get("substantiated", cells.boolean),
            customer_phone=row.get("customer_phone", cells.phone) or "",
        )
        if not row.ok:
            return None
        data["month"] = timezone.localtime(data["received_at"]).date().replace(day=1)
        return Record(row.number, data["external_id"], data["month"], data)

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        """The complaints, and a care case (投诉客户关怀) for each customer who left a number."""
        objects = [Complaint(**record.data, import_batch_id=batch_id) for record in records]
        Complaint.objects.bulk_create(objects, batch_size=500)
        ComplaintCare.objects.bulk_create(
            [ComplaintCare(complaint_id=c.pk, hall_id=c.hall_id) for c in objects if c.customer_phone],
            batch_size=500,
        )
        return len(objects)


class ActivityImporter(_ExternalIdImporter):
    kind = ImportKind.ACTIVITIES
    sheet_name = title = "活动参与"
    model = ActivityParticipation
    columns = [
        Column("external_id", "记录编号", "HD-2026-0001"),
        Column("hall_code", "营业厅编码", "SJZ-01-001"),
        Column("date", "日期", "2026-03-05"),
        Column("activity", "活动", "315 消费者权益日"),
        Column("points", "积分", "2"),
    ]

    def parse(self, row: Row) -> Record | None:
        data = dict(
            external_id=row.get("external_id", cells.text, max_length=64),
            hall_id=self.hall_id(row),
            date=row.get("date", cells.date),
            activity=row.get("activity", cells.text, max_length=128),
            points=row.get("points", cells.decimal, low=Decimal("0"), high=Decimal("9999")),
        )
        if not row.ok:
            return None
        data["month"] = data["date"].replace(day=1)
        return Record(row.number, data["external_id"], data["month"], data)


ADJUSTMENT_WORDS = {"加分": AdjustmentKind.BONUS, "bonus": AdjustmentKind.BONUS}
ADJUSTMENT_WORDS.update({"扣分": AdjustmentKind.DEDUCTION, "deduction": AdjustmentKind.DEDUCTION})


class AdjustmentImporter(_ExternalIdImporter):
    kind = ImportKind.ADJUSTMENTS
    sheet_name = title = "加扣分事件"
    model = HallAdjustment
    columns = [
        Column("external_id", "记录编号", "JK-2026-0001"),
        Column("hall_code", "营业厅编码", "SJZ-01-001"),
        Column("date", "日期", "2026-03-05"),
        Column("kind", "类型", "加分"),
        Column("points", "分值", "1"),
        Column("reason", "事由", "客户表扬信"),
    ]

    def parse(self, row: Row) -> Record | None:
        word = row.get("kind", cells.text, max_length=16)
        kind = ADJUSTMENT_WORDS.get((word or "").lower())
        if word is not None and kind is None:
            row.error("kind", _("应为“加分”或“扣分”"))
        data = dict(
            external_id=row.get("external_id", cells.text, max_length=64),
            hall_id=self.hall_id(row),
            date=row.get("date", cells.date),
            kind=kind,
            points=row.get("points", cells.decimal, low=Decimal("0.01"), high=Decimal("100")),
            reason=row.get("reason", cells.text, max_length=255),
        )
        if kind == AdjustmentKind.DEDUCTION and _names_a_complaint(data["reason"]):
            row.error("reason", str(COMPLAINT_NOT_A_DEDUCTION))
        if not row.ok:
            return None
        data["month"] = data["date"].replace(day=1)
        return Record(row.number, data["external_id"], data["month"], data)


# One rule for complaints: a substantiated complaint is scored once, in the grading's complaint dimension
# (imported with the complaints), never again as a deduction event or item.
COMPLAINT_NOT_A_DEDUCTION = gettext_lazy("属实投诉只在投诉维度计分一次（随投诉导入），不能再作为扣分事件导入")
COMPLAINT_WORDS = ("投诉", "complaint")


def _names_a_complaint(reason: str | None) -> bool:
    return bool(reason) and any(word in reason.lower() for word in COMPLAINT_WORDS)


class _BonusInputImporter(Importer):
    """Service volumes and staff points feed only the bonus split: a month takes them until its split is
    approved (``surveys.bonus_months``), even after its grading is published, which the split needs first."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._closed: dict = {}

    def month_is_published(self, month, *, fresh: bool = False) -> bool:
        # A published grading does not close bonus inputs (an approved split does: month_check); the
        # framework still refuses a month that has not begun.
        return False

    def month_check(self, row: Row, month) -> None:
        if month is None:
            return
        if month not in self._closed:
            self._closed[month] = bonus_month_closed(month=month)
        if self._closed[month]:
            row.error("month", _(BONUS_INPUTS_CLOSED) % {"month": f"{month:%Y-%m}"})

    def insert_check(self, records: list[Record]) -> None:
        """Again at insert time, inside the import's transaction: a split approved since validation wins."""
        closed = sorted({r.data["month"] for r in records if bonus_month_closed(month=r.data["month"])})
        if closed:
            raise ApplicationError(_(BONUS_INPUTS_CLOSED) % {"month": f"{closed[0]:%Y-%m}"})


class ServiceVolumeImporter(_BonusInputImporter):
    kind = ImportKind.SERVICE_VOLUMES
    sheet_name = title = "业务量"
    columns = [
        Column("hall_code", "营业厅编码", "SJZ-01-001"),
        Column("month", "月份", "2026-03"),
        Column("front_desk", "前台办理量", "3200"),
        Column("assisted_self_service", "协助自助办理量", "800"),
        Column("self_service_terminal", "自助终端办理量", "1500"),
    ]

    def key_column(self) -> str:
        return "营业厅编码 + 月份"

    def parse(self, row: Row) -> Record | None:
        data = dict(
            hall_id=self.hall_id(row),
            month=row.get("month", cells.month),
            front_desk=row.get("front_desk", cells.integer),
            assisted_self_service=row.get("assisted_self_service", cells.integer),
            self_service_terminal=row.get("self_service_terminal", cells.integer),
        )
        self.month_check(row, data["month"])
        if not row.ok:
            return None
        return Record(row.number, (data["hall_id"], data["month"]), data["month"], data)

    def existing_keys(self, keys: list) -> set:
        months = {month for _hall, month in keys}
        existing = ServiceVolume.objects.filter(month__in=months).values_list("hall_id", "month")
        return set(existing) & set(keys)

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        self.insert_check(records)
        rows = [ServiceVolume(**record.data, import_batch_id=batch_id) for record in records]
        ServiceVolume.objects.bulk_create(rows, batch_size=500)
        return len(rows)


class StaffPointsImporter(_BonusInputImporter):
    kind = ImportKind.STAFF_POINTS
    sheet_name = title = "营业员服务积点"
    columns = [
        Column("employee_no", "工号", "SJZ-01-001-01"),
        Column("month", "月份", "2026-03"),
        Column("points", "服务积点", "120.5"),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._staff: dict[str, int] | None = None

    def key_column(self) -> str:
        return "工号 + 月份"

    def parse(self, row: Row) -> Record | None:
        if self._staff is None:
            self._staff = dict(Staff.objects.values_list("employee_no", "pk"))
        employee_no = row.get("employee_no", cells.text, max_length=32)
        staff_id = self._staff.get(employee_no) if employee_no is not None else None
        if employee_no is not None and staff_id is None:
            row.error("employee_no", _("工号不存在：%(employee_no)s") % {"employee_no": employee_no})
        data = dict(
            staff_id=staff_id,
            month=row.get("month", cells.month),
            points=row.get("points", cells.decimal, low=Decimal("0"), high=Decimal("999999")),
        )
        self.month_check(row, data["month"])
        if not row.ok:
            return None
        return Record(row.number, (staff_id, data["month"]), data["month"], data)

    def existing_keys(self, keys: list) -> set:
        months = {month for _staff, month in keys}
        existing = StaffServicePoints.objects.filter(month__in=months).values_list("staff_id", "month")
        return set(existing) & set(keys)

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        self.insert_check(records)
        rows = [StaffServicePoints(**record.data, import_batch_id=batch_id) for record in records]
        StaffServicePoints.objects.bulk_create(rows, batch_size=500)
        return len(rows)
