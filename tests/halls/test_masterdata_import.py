"""Master data from files: the organisation, halls, staff and user accounts, created or updated by code
through the same import batches as the evidence (all rows or none, every bad row named)."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from halls.models import CityCompany, DistrictCompany, Hall, HallKind, MarketingUnit, Role, Staff, StaffKind
from halls.selectors import scope_for
from inspections.models.coaching import CoachingKind, CoachingVisit
from surveys.models import ImportKind, ImportState
from surveys.services.imports import import_template_build
from tests.halls.conftest import HALL_HEADER, HALL_ROWS, ORG_ROWS, STAFF_HEADER, USER_HEADER


def _org_and_halls(importer) -> None:
    assert importer(ImportKind.ORGANISATION, ORG_ROWS).state == ImportState.SUCCEEDED
    assert importer(ImportKind.HALLS, HALL_ROWS).state == ImportState.SUCCEEDED


def test_an_organisation_file_creates_cities_districts_and_units(importer):
    batch = importer(ImportKind.ORGANISATION, ORG_ROWS)
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    assert dict(CityCompany.objects.values_list("code", "name")) == {"SJZ": "石家庄分公司", "BD": "保定分公司"}
    assert set(DistrictCompany.objects.values_list("code", "city__code")) == {
        ("SJZ-01", "SJZ"), ("SJZ-02", "SJZ"), ("BD-01", "BD"),
    }  # fmt: skip
    assert set(MarketingUnit.objects.values_list("code", "city__code")) == {("SJZ-U1", "SJZ"), ("BD-U1", "BD")}
    assert (batch.rows_created, batch.uploaded_by) == (5, importer.hq)


def test_reimporting_the_same_organisation_file_changes_nothing_and_counts_every_row_unchanged(importer):
    importer(ImportKind.ORGANISATION, ORG_ROWS)
    again = importer(ImportKind.ORGANISATION, ORG_ROWS)
    assert (again.state, again.rows_created, again.rows_updated, again.rows_skipped) == (ImportState.SUCCEEDED, 0, 0, 5)
    assert DistrictCompany.objects.count() == 3


def test_a_renamed_district_is_updated_by_its_code(importer):
    importer(ImportKind.ORGANISATION, ORG_ROWS)
    rows = [ORG_ROWS[0], ["SJZ", "石家庄分公司", "区县", "SJZ-01", "长安区公司"]]
    batch = importer(ImportKind.ORGANISATION, rows)
    assert (batch.rows_created, batch.rows_updated) == (0, 1)
    assert DistrictCompany.objects.get(code="SJZ-01").name == "长安区公司"


def test_a_city_named_two_ways_in_one_file_is_refused_with_both_rows_named(importer):
    rows = [ORG_ROWS[0], ORG_ROWS[1], ["SJZ", "石家庄市公司", "区县", "SJZ-02", "桥西区分公司"]]
    batch = importer(ImportKind.ORGANISATION, rows)
    assert batch.state == ImportState.REJECTED
    assert batch.errors == [{"row": 3, "column": "地市名称", "reason": "地市 SJZ 的名称与第 2 行不同：石家庄分公司"}]
    assert not CityCompany.objects.exists()


def test_a_hall_file_creates_halls_with_their_place_kind_and_months(importer):
    _org_and_halls(importer)
    hall = Hall.objects.get(code="SJZ-01-002")
    assert (hall.name, hall.kind, hall.district.code, hall.marketing_unit.code) == (
        "建设路营业厅", HallKind.PARTNER, "SJZ-01", "SJZ-U1",
    )  # fmt: skip
    assert (hall.opened_on, hall.closed_on, hall.is_active) == (dt.date(2021, 6, 1), None, True)
    assert Hall.objects.count() == 4


def test_every_bad_hall_row_is_named_and_nothing_is_imported(importer):
    importer(ImportKind.ORGANISATION, ORG_ROWS)
    rows = [
        HALL_HEADER,
        ["H1", "一号厅", "SJZ", "SJZ-09", "SJZ-U1", "自办厅", "", "2020-01", ""],
        ["H2", "二号厅", "SJZ", "BD-01", "SJZ-U1", "自办厅", "", "2020-01", ""],
        ["H3", "三号厅", "SJZ", "SJZ-01", "SJZ-U1", "直营厅", "", "2020-01", ""],
        ["H4", "四号厅", "SJZ", "SJZ-01", "SJZ-U1", "自办厅", "", "2022-05", "2021-01"],
        ["H5", "五号厅", "SJZ", "SJZ-01", "SJZ-U1", "合作厅", "", "2020-01", ""],
    ]
    batch = importer(ImportKind.HALLS, rows)
    assert batch.state == ImportState.REJECTED
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (2, "区县编码"), (3, "区县编码"), (4, "类型"), (5, "关闭月份"),
    ]  # fmt: skip
    assert batch.errors[0]["reason"] == "区县编码不存在：SJZ-09（请先导入组织机构）"
    assert batch.errors[1]["reason"] == "区县 BD-01 属于地市 BD，不是 SJZ"
    assert not Hall.objects.exists()


def test_a_staff_file_creates_and_then_updates_staff_by_employee_number(importer):
    _org_and_halls(importer)
    rows = [
        STAFF_HEADER,
        ["SJZ-01-001", "E001", "张三", "自有员工", "2024-03", ""],
        ["SJZ-01-001", "E002", "李四", "外包计件人员", "2025-01", "2026-02"],
    ]
    assert importer(ImportKind.STAFF, rows).rows_created == 2
    li = Staff.objects.get(employee_no="E002")
    assert (li.kind, li.active_from, li.active_to) == (StaffKind.OUTSOURCED, dt.date(2025, 1, 1), dt.date(2026, 2, 28))
    moved = [STAFF_HEADER, ["SJZ-02-001", "E001", "张三", "自有员工", "2024-03", ""]]
    batch = importer(ImportKind.STAFF, moved)
    assert (batch.rows_created, batch.rows_updated) == (0, 1)
    zhang = Staff.objects.get(employee_no="E001")
    assert zhang.hall.code == "SJZ-02-001"
    assert zhang.history.latest().history_user == importer.hq


def test_a_staff_row_naming_an_unknown_hall_is_refused(importer):
    _org_and_halls(importer)
    batch = importer(ImportKind.STAFF, [STAFF_HEADER, ["NOPE", "E001", "张三", "自有员工", "2024-03", ""]])
    assert batch.errors == [{"row": 2, "column": "营业厅编码", "reason": "营业厅编码不存在：NOPE"}]


def test_a_user_file_creates_accounts_with_their_role_and_scope(importer):
    _org_and_halls(importer)
    rows = [
        USER_HEADER,
        ["wang", "王总", "客服部（总部）", "", "wang@example.com", "是"],
        ["zhao", "赵主管", "区县服务主管", "SJZ-01、SJZ-02", "", "是"],
        ["qian", "钱店长", "hall", "SJZ-01-001", "", "是"],
    ]
    batch = importer(ImportKind.USERS, rows)
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    users = {user.username: user for user in get_user_model().objects.select_related("profile")}
    assert users["wang"].profile.role == Role.HQ and users["wang"].email == "wang@example.com"
    assert set(users["zhao"].profile.districts.values_list("code", flat=True)) == {"SJZ-01", "SJZ-02"}
    assert (users["qian"].profile.role, users["qian"].profile.hall.code) == (Role.HALL_MANAGER, "SJZ-01-001")
    # No password travels in a file: the account signs in once one is set for it.
    assert not users["zhao"].has_usable_password()


def test_a_city_company_account_takes_its_cities_by_code_and_sees_their_halls_only(importer):
    _org_and_halls(importer)
    rows = [USER_HEADER, ["zhou", "周客服", "地市客服", "SJZ", "", "是"], ["wu", "吴客服", "地市", "XX", "", "是"]]
    refused = importer(ImportKind.USERS, rows)
    assert [(e["row"], e["column"]) for e in refused.errors] == [(3, "管辖范围编码")]
    batch = importer(ImportKind.USERS, rows[:2])
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    profile = get_user_model().objects.get(username="zhou").profile
    assert (profile.role, list(profile.cities.values_list("code", flat=True))) == (Role.CITY_MANAGER, ["SJZ"])
    assert profile.districts.count() == 0 and profile.hall_id is None
    halls = Hall.objects.filter(scope_for(profile.user).hall_q())
    assert set(halls.values_list("district__city__code", flat=True)) == {"SJZ"} and halls.count() > 0


def test_a_user_row_with_a_scope_that_does_not_fit_its_role_is_refused(importer):
    _org_and_halls(importer)
    rows = [
        USER_HEADER,
        ["zhao", "赵主管", "区县服务主管", "", "", "是"],
        ["qian", "钱店长", "营业厅店长", "SJZ-01-001;SJZ-01-002", "", "是"],
        ["sun", "孙", "客服部（总部）", "SJZ", "", "是"],
        ["li", "李", "区县服务主管", "XX-09", "", "是"],
        ["bad name", "坏", "总部", "", "", "是"],
    ]
    batch = importer(ImportKind.USERS, rows)
    assert [(e["row"], e["column"], e["reason"]) for e in batch.errors] == [
        (2, "管辖范围编码", "此角色须填写管辖范围编码"),
        (3, "管辖范围编码", "此角色只能有一个管辖范围编码"),
        (4, "管辖范围编码", "此角色不设管辖范围，请留空"),
        (5, "管辖范围编码", "区县公司编码不存在：XX-09"),
        (6, "用户名", "用户名只能包含字母、数字和 @ . + - _"),
    ]
    assert not get_user_model().objects.filter(username__in=["zhao", "qian", "sun", "li"]).exists()


def test_a_reimported_user_changes_role_and_scope(importer):
    _org_and_halls(importer)
    importer(ImportKind.USERS, [USER_HEADER, ["zhao", "赵主管", "区县服务主管", "SJZ-01", "", "是"]])
    batch = importer(ImportKind.USERS, [USER_HEADER, ["zhao", "赵主管", "营业厅店长", "SJZ-02-001", "", "是"]])
    assert (batch.rows_created, batch.rows_updated) == (0, 1)
    profile = get_user_model().objects.get(username="zhao").profile
    assert (profile.role, profile.hall.code, profile.districts.count()) == (Role.HALL_MANAGER, "SJZ-02-001", 0)
    same = importer(ImportKind.USERS, [USER_HEADER, ["zhao", "赵主管", "营业厅店长", "SJZ-02-001", "", "是"]])
    assert (same.rows_updated, same.rows_skipped) == (0, 1)


def test_a_deactivated_account_can_no_longer_sign_in_and_keeps_what_it_did(importer, client):
    _org_and_halls(importer)
    importer(ImportKind.USERS, [USER_HEADER, ["zhao", "赵主管", "区县服务主管", "SJZ-01", "", "是"]])
    zhao = get_user_model().objects.get(username="zhao")
    zhao.set_password("a-long-pass-2026")
    zhao.save()
    hall = Hall.objects.get(code="SJZ-01-001")
    done = CoachingVisit.objects.create(
        hall=hall, author=zhao, kind=CoachingKind.PLAN, week_start=dt.date(2026, 11, 2),
        visit_date=dt.date(2026, 11, 2), content="排队疏导",
    )  # fmt: skip
    signed_in = client.post(reverse("login"), {"username": "zhao", "password": "a-long-pass-2026"})
    assert signed_in.status_code == 302 and client.get(reverse("halls:list")).status_code == 200
    batch = importer(ImportKind.USERS, [USER_HEADER, ["zhao", "赵主管", "区县服务主管", "SJZ-01", "", "否"]])
    assert (batch.rows_updated, get_user_model().objects.get(username="zhao").is_active) == (1, False)
    # The session it held no longer works, and a new sign-in is refused.
    assert client.get(reverse("halls:list")).status_code == 302
    refused = client.post(reverse("login"), {"username": "zhao", "password": "a-long-pass-2026"})
    assert refused.status_code == 200 and not refused.wsgi_request.user.is_authenticated
    assert CoachingVisit.objects.get(pk=done.pk).author_id == zhao.pk


def test_each_master_data_kind_has_a_template_whose_header_the_import_accepts(importer):
    for kind, header in (
        (ImportKind.ORGANISATION, ORG_ROWS[0]),
        (ImportKind.HALLS, HALL_HEADER),
        (ImportKind.STAFF, STAFF_HEADER),
        (ImportKind.USERS, USER_HEADER),
    ):
        workbook = load_workbook(io.BytesIO(import_template_build(kind=kind)))
        assert [cell.value for cell in workbook.active[1]] == header, kind


def test_kinds_and_roles_may_be_written_as_their_codes_or_english_labels(importer):
    importer(
        ImportKind.ORGANISATION,
        [
            ORG_ROWS[0],
            ["SJZ", "石家庄分公司", "district", "SJZ-01", "长安区分公司"],
            ["SJZ", "石家庄分公司", "unit", "SJZ-U1", "一单元"],
        ],
    )
    batch = importer(
        ImportKind.HALLS, [HALL_HEADER, ["H1", "一号厅", "SJZ", "SJZ-01", "SJZ-U1", "partner", "", "2020-01", ""]]
    )
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    assert Hall.objects.get(code="H1").kind == HallKind.PARTNER


def test_hq_cannot_deactivate_or_demote_itself_by_a_file(importer):
    _org_and_halls(importer)
    rows = [
        USER_HEADER,
        ["zhao", "赵主管", "区县服务主管", "SJZ-01", "", "是"],
        ["hq-importer", "我", "客服部（总部）", "", "", "否"],
    ]
    batch = importer(ImportKind.USERS, rows)
    assert batch.state == ImportState.REJECTED
    assert batch.message == "第 3 行会停用你自己的账号或取消你的总部角色，未导入任何数据"
    assert importer.hq.__class__.objects.get(pk=importer.hq.pk).is_active
    assert not get_user_model().objects.filter(username="zhao").exists()
