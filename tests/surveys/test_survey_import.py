"""Customer-satisfaction responses: import, the monthly index and the repair list, against hand-computed
figures; the staff survey on the same machinery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from surveys.models import ImportKind, ImportState, RepairCase, SurveyAnswer, SurveyResponse
from surveys.selectors import satisfaction_index_frame
from tests.surveys.files import csv_bytes, xlsx_bytes

DIMS = ["ENV", "ORDER", "WAIT", "ACCURACY", "ATTITUDE", "NEEDS"]
HEADER = ["问卷编号", "营业厅编码", "填写时间", "手机号", *DIMS, "总体评分", "意见"]


def response(code, hall, overall, *, phone="13812341234", when="2026-03-10 15:00", score="8"):
    return [code, hall, when, phone, *[score] * 6, overall, "意见"]


def test_responses_import_with_answers_and_the_index_matches_hand_computation(world, surveys, run_import):
    a1, b1 = world.hall_a1.code, world.hall_b1.code
    rows = [
        HEADER,
        response("Q1", a1, "10"),
        response("Q2", a1, "7"),
        response("Q3", a1, "6"),  # at the threshold: repair list
        response("Q4", b1, "9.5"),
        response("Q5", b1, "3", phone=""),  # no phone is allowed
        response("Q6", b1, "8", when="2026-04-01 00:10"),  # April, not March
    ]
    batch = run_import(
        ImportKind.SURVEY_RESPONSES, "csat.xlsx", xlsx_bytes(rows), params={"survey_id": surveys["CSAT"].pk}
    )
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    assert SurveyResponse.objects.count() == 6
    assert SurveyAnswer.objects.count() == 36

    frame = satisfaction_index_frame(month=dt.date(2026, 3, 1)).set_index("hall_id")
    # a1: (10 + 7 + 6) / 3 / 10 × 100 = 76.67 ; b1: (9.5 + 3) / 2 / 10 × 100 = 62.5
    assert frame.loc[world.hall_a1.pk, "index"] == pytest.approx(76.67)
    assert frame.loc[world.hall_b1.pk, "index"] == pytest.approx(62.5)
    assert frame.loc[world.hall_a1.pk, "responses"] == 3
    # overall ≤ 6 → repair list: Q3 (6) and Q5 (3)
    assert sorted(RepairCase.objects.values_list("response__external_id", "hall_id")) == [
        ("Q3", world.hall_a1.pk), ("Q5", world.hall_b1.pk),
    ]  # fmt: skip


def test_reimporting_responses_adds_no_response_and_no_repair_case(world, surveys, run_import):
    data = csv_bytes([HEADER, response("Q1", world.hall_a1.code, "2")], encoding="gbk")
    params = {"survey_id": surveys["CSAT"].pk}
    run_import(ImportKind.SURVEY_RESPONSES, "a.csv", data, params=params)
    again = run_import(ImportKind.SURVEY_RESPONSES, "a.csv", data, params=params)
    assert (again.rows_created, again.rows_skipped) == (0, 1)
    assert (SurveyResponse.objects.count(), RepairCase.objects.count()) == (1, 1)


def test_bad_scores_phones_and_missing_dimensions_are_reported(world, surveys, run_import):
    a1 = world.hall_a1.code
    rows = [
        HEADER,
        response("Q1", a1, "11"),  # above the 10-point scale
        response("Q2", a1, "7", phone="12345"),  # not a mobile number
        response("Q3", a1, "7.25"),  # two decimals on a one-decimal scale
        response("Q4", a1, "7", score="x"),  # a dimension is not a number
    ]
    batch = run_import(
        ImportKind.SURVEY_RESPONSES, "bad.xlsx", xlsx_bytes(rows), params={"survey_id": surveys["CSAT"].pk}
    )
    assert batch.state == ImportState.REJECTED
    found = {(error["row"], error["column"]) for error in batch.errors}
    assert {(2, "总体评分"), (3, "手机号"), (4, "总体评分"), (5, "ENV")} <= found
    assert all("12345" not in error["reason"] for error in batch.errors)  # phone values are never echoed
    assert SurveyResponse.objects.count() == 0

    header = [title for title in HEADER if title != "WAIT"]
    batch = run_import(
        ImportKind.SURVEY_RESPONSES, "h.xlsx", xlsx_bytes([header]), params={"survey_id": surveys["CSAT"].pk}
    )
    assert {"row": 1, "column": "WAIT", "reason": "缺少维度列：等候时间"} in batch.errors


def test_the_staff_survey_uses_the_same_machinery_without_a_repair_list(world, surveys, run_import):
    dims = [dim.code for dim in surveys["STAFF"].dimensions.all()]
    header = ["问卷编号", "营业厅编码", "填写时间", *dims, "总体评分"]
    rows = [header, ["S1", world.hall_a1.code, "2026-03-31", *["5"] * len(dims), "4"]]
    batch = run_import(
        ImportKind.SURVEY_RESPONSES, "staff.xlsx", xlsx_bytes(rows), params={"survey_id": surveys["STAFF"].pk}
    )
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    assert SurveyResponse.objects.get().survey == surveys["STAFF"]
    assert RepairCase.objects.count() == 0
    # The customer index ignores staff surveys.
    assert satisfaction_index_frame(month=dt.date(2026, 3, 1)).empty


def test_the_customer_survey_has_the_six_default_dimensions_on_a_ten_point_scale(surveys):
    csat = surveys["CSAT"]
    assert [dim.name_zh for dim in csat.dimensions.all()] == [
        "环境舒适",
        "秩序良好",
        "等候时间",
        "准确高效",
        "服务态度",
        "业务满足",
    ]
    assert (csat.scale_max, csat.repair_threshold) == (10, Decimal("6"))
