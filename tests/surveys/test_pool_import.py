"""The bonus pools import (酬金池): HQ sets each marketing unit's monthly pool from a file; the latest file wins,
and a month whose split is approved is closed."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from halls.errors import ApplicationError
from incentives.models import BonusPool
from incentives.services import bonus_pool_set, bonus_pools_import, bonus_split_approve, split_bonus
from surveys.models import ImportBatch, ImportKind, ImportState
from surveys.services.imports import import_template_build
from tests.factories import MarketingUnitFactory
from tests.incentives.factories import BonusPoolFactory, CoefficientTableFactory, published_month
from tests.surveys.files import csv_bytes, upload, xlsx_bytes

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
HEADER = ["月份", "营销单元编码", "酬金池金额（元）"]


@pytest.fixture
def units(db):
    return MarketingUnitFactory(code="SJZ-U1"), MarketingUnitFactory(code="SJZ-U2")


def _pools() -> dict:
    return {(pool.marketing_unit.code, pool.month): pool.amount for pool in BonusPool.objects.all()}


def test_a_valid_file_creates_the_pools_with_their_batch_and_uploader(world, units, run_import):
    rows = [HEADER, ["2026-03", "SJZ-U1", "120000.00"], ["2026年4月", "SJZ-U2", "8000.5"]]
    batch = run_import(ImportKind.BONUS_POOLS, "p.xlsx", xlsx_bytes(rows, sheet="酬金池"))
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    assert _pools() == {("SJZ-U1", MARCH): Decimal("120000.00"), ("SJZ-U2", APRIL): Decimal("8000.50")}
    assert set(BonusPool.objects.values_list("import_batch_id", "updated_by_id")) == {(batch.pk, world.hq.pk)}
    assert (batch.rows_created, batch.message) == (2, "新增 2 行，已存在跳过 0 行")


def test_a_reimport_of_a_unit_and_month_updates_its_amount_instead_of_adding_a_pool(world, units, run_import):
    run_import(ImportKind.BONUS_POOLS, "p.xlsx", xlsx_bytes([HEADER, ["2026-03", "SJZ-U1", "100"]]))
    bonus_pool_set(unit=units[1], month=MARCH, amount=Decimal("50"))  # entered in the form, no batch
    rows = [HEADER, ["2026-03", "SJZ-U1", "150.25"], ["2026-03", "SJZ-U2", "75"]]
    again = run_import(ImportKind.BONUS_POOLS, "p2.xlsx", xlsx_bytes(rows))
    assert again.state == ImportState.SUCCEEDED, again.errors
    assert _pools() == {("SJZ-U1", MARCH): Decimal("150.25"), ("SJZ-U2", MARCH): Decimal("75.00")}
    assert set(BonusPool.objects.values_list("import_batch_id", flat=True)) == {again.pk}
    assert (again.rows_created, again.rows_skipped, again.message) == (0, 0, "新增 0 行，更新 2 行")
    assert again.rows_updated == 2


def test_the_import_list_shows_how_many_rows_a_batch_updated(world, units, run_import, client):
    run_import(ImportKind.BONUS_POOLS, "p.xlsx", xlsx_bytes([HEADER, ["2026-03", "SJZ-U1", "100"]]))
    again = run_import(ImportKind.BONUS_POOLS, "p2.xlsx", xlsx_bytes([HEADER, ["2026-03", "SJZ-U1", "120"]]))
    client.force_login(world.hq)
    page = client.get(reverse("surveys:import_list")).content.decode()
    assert '<th class="text-end">更新</th>' in page
    row = page[page.index("p2.xlsx") :].split("</tr>")[0]
    assert (
        '<td class="text-end">1</td><td class="text-end">0</td><td class="text-end">1</td><td class="text-end">0</td>'
        in row
    )
    assert again.rows_updated == 1


def test_every_bad_row_is_named_and_nothing_is_imported(world, units, run_import):
    rows = [
        HEADER,
        ["2026-03", "SJZ-U1", "100"],  # fine on its own
        ["2026-13", "SJZ-U2", "100"],
        ["2026-03", "NOPE", "100"],
        ["2026-04", "SJZ-U1", "-1"],
        ["2026-05", "SJZ-U1", "1.005"],
        ["2026年3月", "SJZ-U1", "200"],  # the same unit and month as row 2
    ]
    batch = run_import(ImportKind.BONUS_POOLS, "p.xlsx", xlsx_bytes(rows))
    assert batch.state == ImportState.REJECTED
    assert batch.errors == [
        {"row": 3, "column": "月份", "reason": "无法识别的月份：2026-13（应为 YYYY-MM）"},
        {"row": 4, "column": "营销单元编码", "reason": "营销单元编码不存在：NOPE"},
        {"row": 5, "column": "酬金池金额（元）", "reason": "应在 0 到 999999999999.99 之间：-1"},
        {"row": 6, "column": "酬金池金额（元）", "reason": "最多 2 位小数：1.005"},
        {"row": 7, "column": "营销单元编码 + 月份", "reason": "与第 2 行重复"},
    ]
    assert batch.message == "5 行有错误，未导入任何数据"
    assert BonusPool.objects.count() == 0


def test_a_month_with_an_approved_split_is_refused_row_by_row(world, run_import):
    CoefficientTableFactory()
    unit = world.hall_a1.marketing_unit
    BonusPoolFactory(marketing_unit=unit, month=MARCH, amount=Decimal("1000.00"))
    published_month(MARCH, {world.hall_a1: {"grade": "B"}})
    bonus_split_approve(split_id=split_bonus(month=MARCH).pk)
    rows = [HEADER, ["2026-04", unit.code, "500"], ["2026-03", unit.code, "2000"]]
    batch = run_import(ImportKind.BONUS_POOLS, "p.xlsx", xlsx_bytes(rows))
    assert batch.errors == [{"row": 3, "column": "月份", "reason": "2026-03 的酬金分配已审批，酬金池不能再修改"}]
    assert _pools() == {(unit.code, MARCH): Decimal("1000.00")}


def test_a_published_but_unsplit_month_takes_pools(world, run_import):
    """Pools are set after the grading is published: that is when a month is split."""
    unit = world.hall_a1.marketing_unit
    published_month(MARCH, {world.hall_a1: {"grade": "B"}})
    batch = run_import(ImportKind.BONUS_POOLS, "p.csv", csv_bytes([HEADER, ["2026-03", unit.code, "10"]]))
    assert batch.state == ImportState.SUCCEEDED, (batch.message, batch.errors)


def test_a_split_approved_after_the_check_still_stops_the_import(world):
    CoefficientTableFactory()
    unit = world.hall_a1.marketing_unit
    BonusPoolFactory(marketing_unit=unit, month=MARCH)
    published_month(MARCH, {world.hall_a1: {"grade": "B"}})
    bonus_split_approve(split_id=split_bonus(month=MARCH).pk)
    pools = [{"marketing_unit_id": unit.pk, "month": MARCH, "amount": Decimal("1")}]
    with pytest.raises(ApplicationError, match="2026-03 的酬金分配已审批"):
        bonus_pools_import(pools=pools, batch_id=None, user_id=world.hq.pk)
    assert BonusPool.objects.get().amount == Decimal("10000.00")


def test_a_gbk_csv_is_read(world, units, run_import):
    rows = [HEADER, ["2026年3月", "SJZ-U1", "3000"]]
    batch = run_import(ImportKind.BONUS_POOLS, "p.csv", csv_bytes(rows, encoding="gbk"))
    assert batch.state == ImportState.SUCCEEDED, (batch.message, batch.errors)
    assert _pools() == {("SJZ-U1", MARCH): Decimal("3000.00")}


def test_the_template_has_the_header_and_an_example_row_on_a_sheet_of_its_own(db):
    book = load_workbook(io.BytesIO(import_template_build(kind=ImportKind.BONUS_POOLS)))
    assert [list(row) for row in book["酬金池"].iter_rows(values_only=True)] == [HEADER]
    example = [list(row) for row in book["填写示例"].iter_rows(values_only=True)]
    assert example[:2] == [HEADER, ["2026-03", "SJZ-U1", "120000.00"]]


def test_the_import_page_offers_bonus_pools_and_preselects_them_from_a_link(world, client):
    client.force_login(world.hq)
    page = client.get(reverse("surveys:import_list") + "?kind=bonus_pools").content.decode()
    assert '<option value="bonus_pools" selected>酬金池</option>' in page
    assert reverse("surveys:import_template") + "?kind=bonus_pools" in page


@pytest.mark.parametrize("who", ["district_a", "manager_a1", "no_role"])
def test_only_hq_may_import_pools(world, units, client, who):
    client.force_login(getattr(world, who))
    data = {"kind": "bonus_pools", "file": upload("p.csv", csv_bytes([HEADER, ["2026-03", "SJZ-U1", "1"]]))}
    assert client.post(reverse("surveys:import_list"), data).status_code == 403
    assert client.get(reverse("surveys:import_template") + "?kind=bonus_pools").status_code == 403
    assert not ImportBatch.objects.exists()
    assert not BonusPool.objects.exists()
