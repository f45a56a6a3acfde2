"""The English switch: the pages a user reaches after choosing English read in English, the catalogue is complete,
and a domain error raised by a service reaches the user in English."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from halls.models import CityCompany, DistrictCompany, Hall, MarketingUnit
from inspections.models import Inspection
from inspections.services.entry import inspection_start
from inspections.services.tree import scheme_create_from_spec
from tests.inspections.conftest import SMALL_TREE
from tests.reports.factories import gradings_build

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
HEADING_TAGS = {"title", "h1", "h2", "h3", "h4", "h5", "h6", "th", "label", "button"}


class _LabelCollector(HTMLParser):
    """The text of the navigation bar and of every title, heading, table header, label and button."""

    def __init__(self):
        super().__init__()
        self.nav_depth = 0
        self.open_tags: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "nav":
            self.nav_depth += 1
        if tag in HEADING_TAGS:
            self.open_tags.append(tag)

    def handle_endtag(self, tag):
        if tag == "nav":
            self.nav_depth -= 1
        if tag in HEADING_TAGS and tag in self.open_tags:
            self.open_tags.remove(tag)

    def handle_data(self, data):
        if (self.nav_depth or self.open_tags) and data.strip():
            self.texts.append(data.strip())


def labels_of(response) -> list[str]:
    collector = _LabelCollector()
    collector.feed(response.content.decode())
    return collector.texts


def cjk_in(texts: list[str]) -> list[str]:
    """The texts with Chinese in them, except the language switch's buttons, which name each language in itself."""
    own_names = {name for _code, name in settings.LANGUAGES}
    return [text for text in texts if CJK.search(text) and text not in own_names]


@pytest.fixture
def english(client):
    """The client after the user picked English in the language switch (the cookie Django's set_language sets)."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


@pytest.fixture
def english_names(world):
    """Cities, districts, units and halls are data, not interface: give them English names so that any CJK left
    on the page is an untranslated label."""
    for model, prefix in ((CityCompany, "City"), (DistrictCompany, "District"), (MarketingUnit, "Unit")):
        for n, pk in enumerate(model.objects.values_list("pk", flat=True), start=1):
            model.objects.filter(pk=pk).update(name=f"{prefix} {n}")
    for n, pk in enumerate(Hall.objects.values_list("pk", flat=True), start=1):
        Hall.objects.filter(pk=pk).update(name=f"Hall {n}")
    return world


@pytest.fixture
def small_scheme(db):
    return scheme_create_from_spec(
        spec=SMALL_TREE, name="Small tree", effective_from=dt.date(2026, 1, 1), activate=True
    )


@pytest.fixture
def march(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def test_the_hall_list_reads_in_chinese_by_default(client, english_names):
    client.force_login(english_names.hq)
    labels = labels_of(client.get(reverse("halls:list")))
    assert "营业厅" in " ".join(labels)


def test_the_hall_list_reads_in_english_after_switching_the_language(english, english_names):
    english.force_login(english_names.hq)
    response = english.get(reverse("halls:list"))
    assert response.status_code == 200
    labels = labels_of(response)
    assert cjk_in(labels) == []
    assert {"Business hall", "Code", "Name", "District", "Marketing unit", "Log out"} <= set(labels)
    assert '<html lang="en"' in response.content.decode()


@pytest.mark.parametrize("asks", ["en", "en-US,en;q=0.9", "fr-FR,fr;q=0.9,en;q=0.8"])
def test_the_interface_is_chinese_whatever_the_browser_asks(client, english_names, asks):
    client.force_login(english_names.hq)
    response = client.get(reverse("halls:list"), HTTP_ACCEPT_LANGUAGE=asks)
    assert '<html lang="zh-hans"' in response.content.decode()
    assert "营业厅" in " ".join(labels_of(response))


def test_the_language_picked_is_remembered_on_the_account_in_another_browser(client, english_names):
    client.force_login(english_names.hq)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english_names.hq.profile.refresh_from_db()
    assert english_names.hq.profile.language == "en"
    other_browser = Client()  # no language cookie
    other_browser.force_login(english_names.hq)
    labels = labels_of(other_browser.get(reverse("halls:list")))
    assert cjk_in(labels) == [] and "Business hall" in labels
    # Switching back is remembered too.
    other_browser.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans"' in client.get(reverse("halls:list")).content.decode()


def test_the_hq_dashboard_reads_in_english(english, english_names):
    gradings_build(english_names)
    english.force_login(english_names.hq)
    response = english.get(reverse("scoring:dashboard"), {"month": "2026-06"})
    assert response.status_code == 200
    labels = labels_of(response)
    assert cjk_in(labels) == []
    assert {"HQ dashboard", "Grade distribution and change from last month", "District comparison"} <= set(labels)


def test_the_city_workbench_and_menu_read_in_english_for_a_city_manager(english, english_names):
    from tests.factories import city_manager

    english.force_login(city_manager(english_names.hall_a1.district.city, username="cm_en"))
    response = english.get(reverse("scoring:district_home"))
    assert response.status_code == 200
    labels = labels_of(response)
    assert cjk_in(labels) == []
    assert {"City workbench", "Business hall", "Rank"} <= set(labels)
    assert "District workbench" not in labels


def test_the_inspection_entry_page_reads_in_english_with_english_indicator_names(
    english, english_names, small_scheme, march
):
    draft = inspection_start(
        user=english_names.district_a,
        hall=english_names.hall_a1,
        kind="overt",
        inspected_at=dt.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    english.force_login(english_names.district_a)
    response = english.get(reverse("inspections:edit", args=[draft.pk]))
    assert response.status_code == 200
    labels = labels_of(response)
    assert cjk_in(labels) == []
    assert "Veto, deduction and bonus items" in labels
    page = response.content.decode()
    assert "A one" in page and "甲一" not in page  # indicator names come from name_en


def test_the_tree_page_reads_in_english_with_english_indicator_names(english, english_names, small_scheme):
    english.force_login(english_names.hq)
    response = english.get(reverse("inspections:scheme_detail", args=[small_scheme.pk]))
    assert response.status_code == 200
    assert cjk_in(labels_of(response)) == []
    page = response.content.decode()
    assert "A one" in page and "B one" in page and "甲一" not in page


def test_a_service_error_reaches_the_user_in_english(english, english_names, march):
    # No indicator scheme exists, so inspection_start's scheme lookup raises an ApplicationError.
    english.force_login(english_names.district_a)
    response = english.post(
        reverse("inspections:start", args=[english_names.hall_a1.pk]),
        {"kind": "overt", "inspected_at": "2026-03-10T09:00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["inspected_at"] == ["There is no indicator scheme in force for 2026-03"]
    assert "There is no indicator scheme in force for 2026-03" in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_service_error_keeps_its_chinese_text_in_chinese(client, english_names, march):
    client.force_login(english_names.district_a)
    response = client.post(
        reverse("inspections:start", args=[english_names.hall_a1.pk]),
        {"kind": "overt", "inspected_at": "2026-03-10T09:00"},
    )
    assert response.context["form"].errors["inspected_at"] == ["2026-03 没有生效的指标体系"]


def test_message_constants_compared_by_callers_are_translated_when_raised(db):
    from incentives.services import NOT_PUBLISHED
    from scoring.selectors.grading import FROZEN_MESSAGE

    with translation.override("en"):
        assert translation.gettext(NOT_PUBLISHED).format(month="2026-04") == (
            "The grading for 2026-04 has not been published yet, so the bonus cannot be split"
        )
        assert translation.gettext(FROZEN_MESSAGE).startswith("The results for {month} have been published")


# --- the catalogue ------------------------------------------------------------------------------------------


def _po_entries(text: str) -> list[dict]:
    """A small .po reader: each entry's flags, msgid, msgid_plural and msgstr(s) (continuation lines joined)."""
    entries = []
    for block in text.strip().split("\n\n"):
        entry: dict = {"flags": set(), "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
                continue
            if line.startswith("#~"):
                entry["obsolete"] = True
                continue
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"$', line)
            if match:
                name, index, value = match.groups()
                key = ("msgstr", int(index or 0)) if name.startswith("msgstr") else name
            elif line.startswith('"') and key is not None:
                value = line[1:-1]
            else:
                continue
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] = entry["msgstr"].get(key[1], "") + value if not match else value
            else:
                entry[key] = entry.get(key, "") + value if not match else value
        if "msgid" in entry and entry["msgid"] and not entry.get("obsolete"):
            entries.append(entry)
    return entries


PLACEHOLDER = re.compile(r"%\(\w+\)[sdrf]|\{\w+\}|%%")


def test_the_english_catalogue_has_every_entry_translated_and_none_fuzzy():
    entries = _po_entries(PO_FILE.read_text(encoding="utf-8"))
    assert len(entries) > 600
    untranslated = [e["msgid"] for e in entries if not e["msgstr"] or not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    assert "#, fuzzy" not in PO_FILE.read_text(encoding="utf-8")


def test_the_english_catalogue_keeps_every_placeholder_and_fills_both_plural_forms():
    entries = _po_entries(PO_FILE.read_text(encoding="utf-8"))
    wrong = [
        e["msgid"]
        for e in entries
        for translated in e["msgstr"].values()
        if sorted(PLACEHOLDER.findall(e["msgid"])) != sorted(PLACEHOLDER.findall(translated))
    ]
    assert wrong == []
    plurals = [e for e in entries if "msgid_plural" in e]
    assert plurals and all(set(e["msgstr"]) == {0, 1} for e in plurals)


def test_no_english_translation_still_contains_chinese():
    entries = _po_entries(PO_FILE.read_text(encoding="utf-8"))
    assert [e["msgid"] for e in entries for t in e["msgstr"].values() if CJK.search(t)] == []


def test_a_stored_not_graded_reason_is_shown_in_the_reader_s_language(english, english_names):
    from scoring.models import HallMonthResult, RunState
    from scoring.services.compute import NOT_GRADED_NO_EVIDENCE

    gradings_build(english_names)
    result = HallMonthResult.objects.get(
        hall=english_names.hall_a1, month=dt.date(2026, 6, 1), run__state=RunState.PUBLISHED
    )
    HallMonthResult.objects.filter(pk=result.pk).update(
        graded=False,
        not_graded_reason=NOT_GRADED_NO_EVIDENCE,
        grade="",
        composite=None,
        rank_city=None,
        rank_district=None,
        rank_kind=None,
    )
    url = reverse("halls:detail", args=[english_names.hall_a1.pk])
    english.force_login(english_names.manager_a1)
    page = english.get(url, {"month": "2026-06"}).content.decode()
    assert "2026-06 not graded: No mystery-shopper, satisfaction or inspection data this month" in page


# --- imports ------------------------------------------------------------------------------------------------


def test_the_hq_imports_page_reads_in_english(english, english_names):
    english.force_login(english_names.hq)
    response = english.get(reverse("surveys:import_list"))
    assert response.status_code == 200
    labels = labels_of(response)
    assert cjk_in(labels) == []
    assert {"Data imports", "Data type", "File (.xlsx or .csv)", "Upload and import", "Uploaded by"} <= set(labels)
    page = response.content.decode()
    assert "Each file is imported whole or not at all" in page
    assert "CSV may be UTF-8 or GBK encoded" in page


def _bad_complaints_csv(world) -> bytes:
    from tests.surveys.files import csv_bytes

    return csv_bytes(
        [
            ["投诉单号", "营业厅编码", "受理时间", "类别", "渠道", "是否属实"],
            ["T1", "NO-SUCH-HALL", "2026-03-05 10:30", "Attitude", "10086", "yes"],
            ["T2", world.hall_a1.code, "2026-03-05 10:30", "Attitude", "10086", "maybe"],
            ["T3", world.hall_a1.code, "someday", "Attitude", "10086", "no"],
        ]
    )


def test_a_rejected_import_s_row_errors_read_in_english_for_an_english_uploader(
    english, english_names, django_capture_on_commit_callbacks
):
    from surveys.models import Complaint, ImportBatch, ImportState
    from tests.surveys.files import upload

    english.force_login(english_names.hq)
    with django_capture_on_commit_callbacks() as callbacks:
        response = english.post(
            reverse("surveys:import_list"),
            {"kind": "complaints", "file": upload("complaints.csv", _bad_complaints_csv(english_names))},
        )
    assert response.status_code == 302
    # The worker's own language is the site default (Chinese); the batch still runs in its uploader's language.
    with translation.override(settings.LANGUAGE_CODE):
        for callback in callbacks:
            callback()
    batch = ImportBatch.objects.get()
    assert batch.state == ImportState.REJECTED
    assert batch.params["language"] == "en"
    assert not Complaint.objects.exists()

    response = english.get(reverse("surveys:import_detail", args=[batch.pk]))
    assert response.status_code == 200
    assert [error["reason"] for error in response.context["errors"]] == [
        "No hall with code NO-SUCH-HALL",
        "Should be “yes” or “no”: maybe",
        "Unrecognised date: someday (should be YYYY-MM-DD)",
    ]
    labels = labels_of(response)
    assert cjk_in(labels) == []
    assert {"Row", "Column", "Reason", "Errors (3 in all; nothing was imported)"} <= set(labels)
    page = response.content.decode()
    assert "3 rows have errors; nothing was imported" in page
    assert "Should be “yes” or “no”: maybe" in page

    csv_text = english.get(reverse("surveys:import_errors", args=[batch.pk])).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "Row,Column,Reason"


def test_an_import_uploaded_in_chinese_keeps_its_errors_in_chinese(client, english_names, run_import_as_hq):
    from surveys.models import ImportKind

    batch = run_import_as_hq(ImportKind.COMPLAINTS, "complaints.csv", _bad_complaints_csv(english_names))
    assert batch.params["language"] == "zh-hans"
    assert [error["reason"] for error in batch.errors] == [
        "营业厅编码不存在：NO-SUCH-HALL",
        "应为“是”或“否”：maybe",
        "无法识别的日期：someday（应为 YYYY-MM-DD）",
    ]
    assert batch.message == "3 行有错误，未导入任何数据"


def test_a_crashed_import_is_reported_in_its_uploader_s_language(english_names):
    from surveys.models import ImportBatch, ImportKind, ImportState
    from surveys.services.imports import import_batch_fail

    batch = ImportBatch.objects.create(
        kind=ImportKind.COMPLAINTS, uploaded_by=english_names.hq, file="imports/x.csv", file_name="x.csv",
        checksum="0" * 64, state=ImportState.RUNNING, params={"language": "en"},
    )  # fmt: skip
    import_batch_fail(batch_id=batch.pk, message="导入时发生系统错误，未导入任何数据；请联系系统管理员")
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED
    assert batch.message.startswith("A system error occurred during the import; nothing was imported.")
