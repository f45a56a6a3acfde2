"""Every surveys page against every role: HQ-only imports, scoped repair list and visits, masked phones."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from inspections.models import Inspection, InspectionKind, InspectionState
from surveys.models import ImportBatch, ImportKind, ImportState, PhoneDisclosure, RepairState
from tests.surveys.factories import ComplaintFactory, RepairCaseFactory, SurveyResponseFactory
from tests.surveys.files import upload, xlsx_bytes

HQ_PAGES = ["/surveys/imports/", "/surveys/imports/template/?kind=complaints"]


def _batch(world):
    return ImportBatch.objects.create(
        kind=ImportKind.COMPLAINTS, uploaded_by=world.hq, file="imports/x.csv", file_name="x.csv", checksum="0" * 64,
        state=ImportState.REJECTED, errors=[{"row": 2, "column": "营业厅编码", "reason": "营业厅编码不存在：X"}],
    )  # fmt: skip


def _users(world):
    return {
        "hq": world.hq, "district": world.district_a, "hall": world.manager_a1, "no_role": world.no_role,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("who", "expected"), [("hq", 200), ("district", 403), ("hall", 403), ("no_role", 403), ("anonymous", 302)]
)
def test_import_pages_are_for_hq_only(world, client, who, expected):
    batch = _batch(world)
    urls = HQ_PAGES + [
        f"/surveys/imports/{batch.pk}/",
        f"/surveys/imports/{batch.pk}/status/",
        f"/surveys/imports/{batch.pk}/errors.csv",
    ]
    if who != "anonymous":
        client.force_login(_users(world)[who])
    for url in urls:
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert "/accounts/login/" in response["Location"]


def test_hq_uploads_a_file_and_sees_every_bad_row(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.hq)
    rows = [
        ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"],
        ["T1", "NOPE", "2026-03-01", "a", "b", "是"],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/surveys/imports/", {"kind": "complaints", "file": upload("c.xlsx", xlsx_bytes(rows))})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/surveys/imports/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "营业厅编码不存在：NOPE" in page
    status = client.get(f"/surveys/imports/{batch.pk}/status/").json()
    assert status["state"] == ImportState.REJECTED and status["finished"] is True and status["percent"] == 100
    errors_csv = client.get(f"/surveys/imports/{batch.pk}/errors.csv").content.decode("utf-8-sig")
    assert errors_csv.splitlines() == ["行号,列,原因", "2,营业厅编码,营业厅编码不存在：NOPE"]


def test_an_unsafe_upload_shows_the_reason_beside_the_file_field(world, client):
    client.force_login(world.hq)
    response = client.post("/surveys/imports/", {"kind": "complaints", "file": upload("c.xlsx", b"not a zip at all")})
    assert response.status_code == 400
    assert "内容不是 Excel 工作簿" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_survey_upload_needs_a_survey(world, client):
    client.force_login(world.hq)
    response = client.post("/surveys/imports/", {"kind": "survey_responses", "file": upload("s.csv", b"a,b\n")})
    assert response.status_code == 400
    assert "请选择问卷" in response.content.decode()


def test_a_broker_that_is_down_marks_the_batch_failed_with_a_clear_message(world, client, monkeypatch):
    from halls import jobs

    def down(*args, **kwargs):
        raise jobs.BrokerUnavailable()

    monkeypatch.setattr("surveys.services.imports.enqueue", down)
    client.force_login(world.hq)
    rows = [["投诉单号"]]
    response = client.post("/surveys/imports/", {"kind": "complaints", "file": upload("c.xlsx", xlsx_bytes(rows))})
    assert response.status_code == 400
    assert jobs.BROKER_DOWN_MESSAGE in response.content.decode()
    assert ImportBatch.objects.get().state == ImportState.FAILED


def test_the_template_has_the_header_and_an_example_row_on_a_sheet_of_its_own(world, client):
    from tests.surveys.conftest import survey_defaults_load

    client.force_login(world.hq)
    csat = {s.code: s for s in survey_defaults_load()}["CSAT"]
    response = client.get(f"/surveys/imports/template/?kind=survey_responses&survey={csat.pk}")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert sheet.title == "满意度调查" and len(rows) == 1
    assert book.sheetnames == ["满意度调查", "填写示例"] and book["填写示例"].max_row == 4
    assert rows[0][:4] == ["问卷编号", "营业厅编码", "填写时间", "手机号"]
    assert "ENV 环境舒适" in rows[0] and rows[0][-2:] == ["总体评分", "意见"]


def test_the_visit_template_lists_the_scheme_in_force(world, client, small_scheme):
    client.force_login(world.hq)
    response = client.get("/surveys/imports/template/?kind=mystery_visits")
    header = [cell.value for cell in next(load_workbook(io.BytesIO(response.content)).active.iter_rows())]
    assert header[:7] == ["暗访编号", "暗访机构", "营业厅编码", "暗访时间", "暗访场景", "暗访员编号", "当班营业员工号"]
    assert header[7:] == [
        "A1.1 甲一一",
        "A1.2 甲一二",
        "A2.1 甲二一",
        "B1.1 乙一一",
        "B1.2 乙一二",
        "V 否决",
        "X 扣分",
        "P 加分",
        "备注",
    ]


@pytest.mark.parametrize(
    ("who", "sees_a1", "sees_b1", "phone"),
    [
        ("hq", True, True, "138****1234"),
        ("district", True, False, "138****1234"),
        ("hall", True, False, "138****1234"),
    ],
)
def test_the_repair_list_is_scoped_and_masks_phones_for_everyone(world, client, who, sees_a1, sees_b1, phone):
    RepairCaseFactory(response=SurveyResponseFactory(hall=world.hall_a1, comment="甲厅客户"))
    RepairCaseFactory(response=SurveyResponseFactory(hall=world.hall_b1, comment="乙厅客户"))
    client.force_login(_users(world)[who])
    page = client.get("/surveys/repairs/").content.decode()
    assert ("甲厅客户" in page) is sees_a1 and ("乙厅客户" in page) is sees_b1
    assert phone in page
    assert "13812341234" not in page
    assert not PhoneDisclosure.objects.exists()


def test_the_hall_manager_who_must_call_sees_the_full_number_and_each_showing_is_recorded(world, client, caplog):
    case = RepairCaseFactory(response=SurveyResponseFactory(hall=world.hall_a1, respondent_phone="15312346745"))
    client.force_login(world.manager_a1)
    caplog.set_level("DEBUG")
    for _ in range(2):
        page = client.get(f"/surveys/repairs/{case.pk}/").content.decode()
        assert '<a href="tel:15312346745" id="repair-phone">15312346745</a>' in page
    shown = list(PhoneDisclosure.objects.values_list("case_id", "shown_to_id"))
    assert shown == [(case.pk, world.manager_a1.pk)] * 2
    assert all(d.shown_at for d in PhoneDisclosure.objects.all())
    # Never in the logs, nor in the record itself.
    assert "15312346745" not in caplog.text
    # The list links him there; it still shows the number masked.
    listing = client.get("/surveys/repairs/").content.decode()
    assert "153****6745" in listing and "15312346745" not in listing
    assert f'href="/surveys/repairs/{case.pk}/">查看完整号码并回访<' in listing


def test_nobody_but_the_manager_of_the_hall_is_shown_the_full_number(world):
    from halls.errors import ApplicationError
    from surveys.services.repair import repair_phone_disclose

    case = RepairCaseFactory(response=SurveyResponseFactory(hall=world.hall_a1, respondent_phone="15312346745"))
    for user in (world.hq, world.district_a, world.manager_b1):
        with pytest.raises(ApplicationError, match="只有本厅店长可以查看客户的完整号码"):
            repair_phone_disclose(case_id=case.pk, user=user)
    assert not PhoneDisclosure.objects.exists()


def test_no_role_and_anonymous_get_no_repair_list(world, client):
    assert client.get("/surveys/repairs/").status_code == 302
    client.force_login(world.no_role)
    assert client.get("/surveys/repairs/").status_code == 403


def test_only_the_hall_manager_updates_his_repair_cases(world, client):
    own = RepairCaseFactory(response=SurveyResponseFactory(hall=world.hall_a1))
    other = RepairCaseFactory(response=SurveyResponseFactory(hall=world.hall_b1))
    client.force_login(world.manager_a1)
    assert client.get(f"/surveys/repairs/{own.pk}/").status_code == 200
    assert client.get(f"/surveys/repairs/{other.pk}/").status_code == 404
    response = client.post(f"/surveys/repairs/{own.pk}/", {"state": RepairState.CONTACTED, "follow_up": ""})
    assert response.status_code == 400 and "请填写跟进情况" in response.content.decode()
    response = client.post(f"/surveys/repairs/{own.pk}/", {"state": RepairState.REPAIRED, "follow_up": "已回访致歉"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.state, own.follow_up, own.updated_by) == (RepairState.REPAIRED, "已回访致歉", world.manager_a1)
    for user in (world.hq, world.district_a):
        client.force_login(user)
        assert client.get(f"/surveys/repairs/{own.pk}/").status_code == 403


def _visit(hall, scheme, external_id="MV-1"):
    return Inspection.objects.create(
        hall=hall, scheme=scheme, kind=InspectionKind.MYSTERY, state=InspectionState.SUBMITTED,
        inspected_at=timezone.make_aware(dt.datetime(2026, 3, 5, 10, 0)), month=dt.date(2026, 3, 1),
        vendor="甲调研", external_id=external_id, scenario="办理套餐",
    )  # fmt: skip


@pytest.mark.parametrize(("who", "a1", "b1"), [("hq", 200, 200), ("district", 200, 404), ("hall", 200, 404)])
def test_visit_detail_is_scoped(world, client, small_scheme, who, a1, b1):
    visit_a1, visit_b1 = _visit(world.hall_a1, small_scheme, "A"), _visit(world.hall_b1, small_scheme, "B")
    client.force_login(_users(world)[who])
    assert client.get(f"/surveys/visits/{visit_a1.pk}/").status_code == a1
    assert client.get(f"/surveys/visits/{visit_b1.pk}/").status_code == b1


def test_the_hall_page_shows_its_visits_repair_cases_and_complaints(world, client, small_scheme):
    _visit(world.hall_a1, small_scheme)
    RepairCaseFactory(response=SurveyResponseFactory(hall=world.hall_a1))
    ComplaintFactory(hall=world.hall_a1, external_id="TS-A1")
    ComplaintFactory(hall=world.hall_a2, external_id="TS-A2")
    client.force_login(world.manager_a1)
    page = client.get(f"/halls/{world.hall_a1.pk}/").content.decode()
    assert "甲调研" in page and "TS-A1" in page and "TS-A2" not in page
    assert "138****1234" in page and "13812341234" not in page
    assert "/surveys/repairs/" in page


def test_hq_enters_a_response_by_hand_and_a_low_score_goes_on_the_repair_list(world, client):
    from surveys.models import RepairCase, SurveyResponse
    from surveys.services.definitions import survey_defaults_load

    csat = {s.code: s for s in survey_defaults_load()}["CSAT"]
    url = f"/surveys/surveys/{csat.pk}/responses/new/"
    for user in (world.district_a, world.manager_a1):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(world.hq)
    assert client.get(url).status_code == 200
    data = {"hall_code": world.hall_a1.code, "responded_at": "2026-03-05 10:30", "phone": "13900001111",
            "overall": "5", "comment": "等太久"}  # fmt: skip
    data.update({f"dim_{dim.code}": "5" for dim in csat.dimensions.all()})
    bad = client.post(url, {**data, "overall": "12", "dim_ENV": "x"})
    assert bad.status_code == 400
    assert "应在 0 到 10 之间：12" in bad.content.decode() and "应为数字：x" in bad.content.decode()
    assert SurveyResponse.objects.count() == 0
    assert client.post(url, data).status_code == 302
    response = SurveyResponse.objects.get()
    assert (response.hall, response.overall, response.answers.count()) == (world.hall_a1, 5, 6)
    assert RepairCase.objects.get().response == response


def test_the_status_reports_validation_progress_then_the_write_phase(world, client):
    batch = _batch(world)
    batch.state, batch.rows_total, batch.rows_processed, batch.message = ImportState.RUNNING, 1000, 500, "校验中"
    batch.save()
    client.force_login(world.hq)
    assert client.get(f"/surveys/imports/{batch.pk}/status/").json()["percent"] == 40  # 500 / 1000 × 80
    ImportBatch.objects.filter(pk=batch.pk).update(rows_processed=1000, message="校验通过，正在写入数据库")
    status = client.get(f"/surveys/imports/{batch.pk}/status/").json()
    assert (status["percent"], status["finished"], status["message"]) == (80, False, "校验通过，正在写入数据库")
