"""Survey responses: customer satisfaction, and the quarterly staff and support-department surveys.

The batch names its survey (``params["survey_id"]``); the file has one column per dimension code of that
survey, scores 0 to the survey's scale maximum. A customer whose overall score is at or below the
survey's repair threshold goes on the hall's repair list (不满意客户修复).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.imports import cells
from surveys.imports.framework import Column, Importer, Record, Row
from surveys.models import (
    ImportKind,
    RepairCase,
    SurveyAnswer,
    SurveyDefinition,
    SurveyDimension,
    SurveyKind,
    SurveyResponse,
)
from surveys.services.satisfaction import satisfaction_months_add

DIM_PREFIX = "dim:"


class SurveyResponseImporter(Importer):
    kind = ImportKind.SURVEY_RESPONSES
    sheet_name = "满意度调查"
    title = "满意度调查"
    columns = [
        Column("external_id", "问卷编号", "Q-2026-000001"),
        Column("hall_code", "营业厅编码", "SJZ-01-001"),
        Column("responded_at", "填写时间", "2026-03-05 10:30"),
        Column("phone", "手机号", "13800001234", required=False),
        Column("overall", "总体评分", "9"),
        Column("comment", "意见", "", required=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.survey = SurveyDefinition.objects.get(pk=self.params["survey_id"])
        self.dimensions: dict[str, SurveyDimension] = {dim.code: dim for dim in self.survey.dimensions.all()}
        self.scale = Decimal(self.survey.scale_max)

    def template_columns(self) -> list[Column]:
        dims = [
            Column(DIM_PREFIX + dim.code, f"{dim.code} {dim.name_zh}", str(self.survey.scale_max))
            for dim in self.dimensions.values()
        ]
        return self.columns[:4] + dims + self.columns[4:]

    def extra_column(self, title: str) -> str | None:
        code = title.split()[0] if title.split() else ""
        return DIM_PREFIX + code if code in self.dimensions else None

    def check_header(self, positions, errors) -> None:
        from surveys.imports.framework import HEADER_ROW, RowError

        for dim in self.dimensions.values():
            if DIM_PREFIX + dim.code not in positions:
                errors.append(RowError(HEADER_ROW, dim.code, _("缺少维度列：%(name)s") % {"name": dim.name_zh}))

    def header_titles(self) -> dict[str, str]:
        titles = super().header_titles()
        titles.update({DIM_PREFIX + code: code for code in self.dimensions})
        return titles

    def parse(self, row: Row) -> Record | None:
        external_id = row.get("external_id", cells.text, max_length=64)
        hall_id = self.hall_id(row)
        responded_at = row.get("responded_at", cells.datetime)
        phone = row.get("phone", cells.phone)
        overall = row.get("overall", cells.decimal, low=Decimal("0"), high=self.scale, places=1)
        comment = row.get("comment", cells.text, required=False, max_length=1000)
        answers = {}
        for code, dim in self.dimensions.items():
            score = row.get(DIM_PREFIX + code, cells.decimal, low=Decimal("0"), high=self.scale, places=1)
            answers[dim.pk] = score
        if not row.ok:
            return None
        month = timezone.localtime(responded_at).date().replace(day=1)
        return Record(
            row=row.number,
            key=external_id,
            month=month,
            data={
                "response": dict(
                    survey_id=self.survey.pk,
                    hall_id=hall_id,
                    external_id=external_id,
                    responded_at=responded_at,
                    month=month,
                    respondent_phone=phone or "",
                    overall=overall,
                    comment=comment or "",
                ),
                "answers": answers,
            },
        )

    def existing_keys(self, keys: list) -> set:
        found: set = set()
        for start in range(0, len(keys), 900):
            found.update(
                SurveyResponse.objects.filter(
                    survey=self.survey, external_id__in=keys[start : start + 900]
                ).values_list("external_id", flat=True)
            )
        return found

    def insert(self, records: list[Record], *, batch_id: int) -> int:
        responses = [SurveyResponse(**record.data["response"], import_batch_id=batch_id) for record in records]
        SurveyResponse.objects.bulk_create(responses, batch_size=500)
        # A batch's rows by its id (indexed); a response entered by hand (no batch) by its primary key.
        satisfaction_months_add(
            responses=SurveyResponse.objects.filter(import_batch_id=batch_id)
            if batch_id is not None
            else SurveyResponse.objects.filter(pk__in=[response.pk for response in responses])
        )
        SurveyAnswer.objects.bulk_create(
            [
                SurveyAnswer(response_id=response.pk, dimension_id=dimension_id, score=score)
                for response, record in zip(responses, records, strict=True)
                for dimension_id, score in record.data["answers"].items()
            ],
            batch_size=300,
        )
        if self.survey.kind == SurveyKind.CUSTOMER:
            RepairCase.objects.bulk_create(
                [
                    RepairCase(response_id=response.pk, hall_id=response.hall_id)
                    for response in responses
                    if response.overall <= self.survey.repair_threshold
                ],
                batch_size=500,
            )
        return len(responses)
