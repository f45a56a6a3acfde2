"""A real province from an empty database, as an operator does it: ``bootstrap --hq``, then only the web
pages (no demo data, no admin page): the organisation, hall, staff and user files, the evidence and the
bonus pools imported on 数据导入, a month graded and published, its bonus split approved."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from halls.models import Hall, Role, Staff, UserProfile
from halls.months import month_add, month_start
from incentives.models import BonusSplit, SplitState
from scoring.models import GradingRun, HallMonthResult, RunState
from surveys.models import ImportBatch, ImportState, SurveyDefinition
from tests.halls.conftest import HALL_ROWS, ORG_ROWS, STAFF_HEADER, USER_HEADER
from tests.surveys.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.browser

PASSWORD = "first-hq-pass-2026"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _upload(page, base: str, *, kind_label: str, name: str, data: bytes, survey: str | None = None) -> None:
    page.goto(f"{base}/surveys/imports/")
    page.select_option("#id_kind", label=kind_label)
    if survey:
        page.select_option("#id_survey", label=survey)
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url("**/surveys/imports/*/")
    assert page.locator("[data-field=state_label]").inner_text() == "已导入", page.locator("main").inner_text()


def _screenshots(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"onboarding-{name}-{width}.png"), full_page=True)


def test_an_operator_goes_from_an_empty_database_to_an_approved_bonus_split(page, live_server, monkeypatch):
    assert not Hall.objects.exists() and not UserProfile.objects.exists()
    monkeypatch.setenv("HALLQ_HQ_PASSWORD", PASSWORD)
    call_command("bootstrap", "--hq", "chief", "--no-input")
    base = live_server.url
    month = month_add(month_start(timezone.localdate()), -1)
    label = f"{month:%Y-%m}"
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/scoring/dashboard/")

    # Master data, in the order the references need: organisation, halls, staff, accounts.
    _upload(
        page,
        base,
        kind_label="组织机构（地市、区县、营销单元）",
        name="org.xlsx",
        data=xlsx_bytes(ORG_ROWS, sheet="组织机构"),
    )
    _upload(page, base, kind_label="营业厅", name="halls.csv", data=csv_bytes(HALL_ROWS))
    staff = [STAFF_HEADER] + [
        [row[0], f"{row[0]}-01", f"营业员{n}", "自有员工", "2024-01", ""] for n, row in enumerate(HALL_ROWS[1:])
    ]
    _upload(page, base, kind_label="营业员", name="staff.csv", data=csv_bytes(staff))
    users = [
        USER_HEADER,
        ["zhao", "赵主管", "区县服务主管", "SJZ-01", "", "是"],
        ["qian", "钱店长", "营业厅店长", "SJZ-01-001", "", "是"],
    ]
    _upload(page, base, kind_label="用户账号与角色", name="users.csv", data=csv_bytes(users))
    _screenshots(page, "import")

    # Evidence of the month: customer-satisfaction responses, service volumes, staff points; then the pools.
    survey = SurveyDefinition.objects.get(code="CSAT")
    dimensions = list(survey.dimensions.order_by("order"))
    header = ["问卷编号", "营业厅编码", "填写时间", "总体评分"] + [f"{d.code} {d.name_zh}" for d in dimensions]
    day = f"{month:%Y-%m}-10 10:00"
    scores = {"SJZ-01-001": 9, "SJZ-01-002": 8, "SJZ-02-001": 7, "BD-01-001": 10}
    responses = [header] + [
        [f"Q-{n}", code, day, str(score)] + [str(score)] * len(dimensions)
        for n, (code, score) in enumerate(scores.items())
    ]
    _upload(page, base, kind_label="满意度调查", name="csat.csv", data=csv_bytes(responses), survey=survey.name)
    volumes = [["营业厅编码", "月份", "前台办理量", "协助自助办理量", "自助终端办理量"]]
    volumes += [[code, label, "1000", "100", "100"] for code in scores]
    _upload(page, base, kind_label="业务量", name="volumes.csv", data=csv_bytes(volumes))
    points = [["工号", "月份", "服务积点"]] + [[f"{code}-01", label, "100"] for code in scores]
    _upload(page, base, kind_label="营业员服务积点", name="points.csv", data=csv_bytes(points))
    pools = [["月份", "营销单元编码", "酬金池金额（元）"], [label, "SJZ-U1", "30000.00"], [label, "BD-U1", "10000.00"]]
    _upload(page, base, kind_label="酬金池", name="pools.csv", data=csv_bytes(pools))

    # The month graded as a draft, reviewed and published.
    page.goto(f"{base}/scoring/grading/")
    start = page.locator("form", has=page.get_by_role("button", name="开始评定（草稿）"))
    start.locator("input[name=month]").fill(label)
    start.get_by_role("button", name="开始评定（草稿）").click()
    page.wait_for_url("**/scoring/grading/runs/*/")
    page.get_by_role("link", name="发布本月结果").click()  # the page that says what publishing does
    page.get_by_role("button", name="确认发布").click()
    page.wait_for_load_state()
    run = GradingRun.objects.get(month=month, state=RunState.PUBLISHED)
    assert HallMonthResult.objects.filter(run=run, graded=True).count() == 4

    # The bonus split started, reviewed and approved.
    page.goto(f"{base}/incentives/splits/new/")
    page.locator("input[name=month]").fill(label)
    page.get_by_role("button", name="开始分配").click()
    page.wait_for_load_state()
    split = BonusSplit.objects.get(month=month)
    page.goto(f"{base}/incentives/splits/{split.pk}/")
    page.get_by_role("button", name="审批并冻结").click()
    page.wait_for_load_state()
    split.refresh_from_db()
    assert split.state == SplitState.APPROVED
    _screenshots(page, "split")

    assert Hall.objects.count() == 4 and Staff.objects.count() == 4
    assert UserProfile.objects.get(user__username="zhao").role == Role.DISTRICT_MANAGER
    assert set(ImportBatch.objects.values_list("state", flat=True)) == {ImportState.SUCCEEDED}
    assert set(ImportBatch.objects.values_list("uploaded_by__username", flat=True)) == {"chief"}
    assert not [url for url in visited if "/admin/" in url]
