"""A survey response entered by hand: the same validation, natural key and repair rule as an imported row."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from surveys.imports.framework import Row
from surveys.imports.kinds.surveys import DIM_PREFIX, SurveyResponseImporter
from surveys.models import SurveyResponse


@transaction.atomic
def survey_response_create(*, survey_id: int, values: dict[str, str]) -> SurveyResponse:
    """``values`` holds the template's columns by key (``hall_code``, ``responded_at``, ``phone``, ``overall``,
    ``comment``, and ``dim:<code>`` per dimension); a blank ``external_id`` gets a generated one."""
    importer = SurveyResponseImporter(params={"survey_id": survey_id})
    cells = {key: str(value).strip() for key, value in values.items()}
    cells["external_id"] = cells.get("external_id") or f"M-{uuid.uuid4().hex[:12]}"
    errors = []
    row = Row(1, cells, {}, errors)
    record = importer.parse(row)
    if record is not None and importer.month_is_published(record.month):
        row.error(
            "responded_at", _("%(month)s 的评定已发布，不能再录入该月的数据") % {"month": f"{record.month:%Y-%m}"}
        )
    if record is not None and importer.existing_keys([record.key]):
        row.error("external_id", _("该问卷编号已存在"))
    if errors or record is None:
        field_errors: dict[str, list[str]] = {}
        for error in errors:
            field_errors.setdefault(error.column.replace(DIM_PREFIX, "dim_"), []).append(error.reason)
        raise ApplicationError(_("问卷填写有误"), field_errors=field_errors)
    importer.insert([record], batch_id=None)
    return SurveyResponse.objects.get(survey_id=survey_id, external_id=record.key)
