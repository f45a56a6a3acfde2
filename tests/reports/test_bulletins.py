"""Monthly bulletins (通报): what one says, checked against a drawn province, and the PDF it becomes.

The province of ``world`` (tests/conftest.py) with the gradings of tests/reports/factories.py::

    city C
    ├── district A: a1 (June 92.50 A, exempt next month)   a2 (June 75.00 C)
    └── district B: b1 (June 85.00 B)                       b2 (June 55.00 D, vetoed, monitored next)

    May city ranks  b1 1, a1 2, b2 3, a2 4 (all grade B: 90, 88, 80, 70)
    June city ranks a1 1, b1 2, a2 3, b2 4

June evidence added here: one overt inspection of a1 (S1.1 10 of 20) and one of b1 (S1.1 15 of 20,
Q1.1 24 of 30), everything else at full marks; a1's S1.1 rectification was due 2026-06-20 and is still open;
three complaints (a1: two 服务态度, one substantiated; b1: one 业务办理); three satisfaction responses
(a1: 8 and 9; b1: 6).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from scoring.models import Bulletin, BulletinLevel, BulletinState
from scoring.selectors.bulletins import bulletin_content
from scoring.services.bulletins import bulletins_request
from surveys.models import Complaint, SurveyDefinition, SurveyKind
from tests.factories import city_manager
from tests.reports.factories import JUNE, inspection_submit, rectification
from tests.surveys.factories import survey_response_stored

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 7, 5)
SECTIONS = ("总体情况与等级分布", "排名与变动", "下月状态", "薄弱指标", "失分热力图", "逾期整改", "投诉与满意度")


@pytest.fixture
def june_evidence(world, gradings):
    a1 = inspection_submit(hall=world.hall_a1, month=JUNE, points={"S1.1": 10})
    inspection_submit(hall=world.hall_b1, month=JUNE, points={"S1.1": 15, "Q1.1": 24})
    rectification(inspection=a1, code="S1.1", due=dt.date(2026, 6, 20))
    received = timezone.make_aware(dt.datetime(2026, 6, 8, 10))
    for n, (hall, category, substantiated) in enumerate(
        ((world.hall_a1, "服务态度", True), (world.hall_a1, "服务态度", False), (world.hall_b1, "业务办理", False))
    ):
        Complaint.objects.create(
            external_id=f"C{n}", hall=hall, received_at=received, month=JUNE, category=category,
            channel="10086", substantiated=substantiated,
        )  # fmt: skip
    survey = SurveyDefinition.objects.create(code="CSAT", name="客户满意度", kind=SurveyKind.CUSTOMER)
    for n, (hall, overall) in enumerate(((world.hall_a1, 8), (world.hall_a1, 9), (world.hall_b1, 6))):
        survey_response_stored(
            survey=survey, hall=hall, external_id=f"R{n}", responded_at=received, month=JUNE, overall=Decimal(overall)
        )
    return gradings


@pytest.fixture
def request_bulletins(world, django_capture_on_commit_callbacks):
    """Ask for June's bulletins as HQ and run what commit would send: the render tasks (eager here)."""

    def ask():
        with django_capture_on_commit_callbacks(execute=True):
            return bulletins_request(month=JUNE, user=world.hq)

    return ask


def _bulletin(run, level=BulletinLevel.PROVINCE, city=None, district=None) -> Bulletin:
    return Bulletin.objects.create(run=run, month=run.month, level=level, city=city, district=district)


def test_the_province_bulletin_counts_grades_against_last_month(world, june_evidence):
    content = bulletin_content(bulletin=_bulletin(june_evidence.june), as_of=AS_OF)
    # June A 1, B 1, C 1, D 1; May all four B.
    assert [(g["grade"], g["count"], g["previous"], g["change"]) for g in content.grades] == [
        ("A", 1, 0, 1), ("B", 1, 4, -3), ("C", 1, 0, 1), ("D", 1, 0, 1)
    ]  # fmt: skip
    # (92.50 + 85 + 75 + 55) / 4 = 76.875 -> 76.88; May (90 + 88 + 80 + 70) / 4 = 82.00; change -5.12
    assert (content.halls_graded, content.average, content.previous_average) == (4, Decimal("76.88"), Decimal("82.00"))
    assert content.average_change == Decimal("-5.12")


def test_the_bulletin_names_best_worst_and_biggest_movers(world, june_evidence):
    content = bulletin_content(bulletin=_bulletin(june_evidence.june), as_of=AS_OF)
    assert [r.hall for r in content.best[:2]] == [world.hall_a1, world.hall_b1]
    assert [r.hall for r in content.worst[:2]] == [world.hall_b2, world.hall_a2]
    # a1 2 -> 1 and a2 4 -> 3 rose one place; b1 1 -> 2 and b2 3 -> 4 fell one.
    assert {(r.hall, r.movement) for r in content.movers["up"]} == {(world.hall_a1, 1), (world.hall_a2, 1)}
    assert {(r.hall, r.movement) for r in content.movers["down"]} == {(world.hall_b1, -1), (world.hall_b2, -1)}


def test_the_bulletin_lists_next_months_statuses(world, june_evidence):
    content = bulletin_content(bulletin=_bulletin(june_evidence.june), as_of=AS_OF)
    statuses = {s["status"]: (s["count"], [r.hall for r in s["results"]]) for s in content.statuses}
    assert statuses == {"supervised": (0, []), "monitored": (1, [world.hall_b2]), "exempt": (1, [world.hall_a1])}


def test_the_weakest_indicators_and_the_heat_map_share_points_lost(world, june_evidence):
    content = bulletin_content(bulletin=_bulletin(june_evidence.june), as_of=AS_OF)
    # S1.1: (20 - 10) + (20 - 15) = 15 lost of 40 -> 37.50 %; Q1.1: 6 of 60 -> 10.00 %; the rest lost nothing.
    assert [(w["code"], w["share_lost"]) for w in content.weak] == [
        ("S1.1", Decimal("37.50")),
        ("Q1.1", Decimal("10.00")),
    ]
    # One column (the city). S1: 60 applicable, 10 + 10 + 15 + 10 = 45 awarded -> 25.00; S2 nothing lost;
    # Q1: 80 applicable, 30 + 10 + 24 + 10 = 74 awarded -> 7.50.
    assert content.heatmap["columns"] == [world.hall_a1.district.city.name]
    assert [(row["name"], row["cells"]) for row in content.heatmap["rows"]] == [
        ("仪容", [Decimal("25.00")]), ("礼貌", [Decimal("0.00")]), ("等候", [Decimal("7.50")])
    ]  # fmt: skip


def test_a_district_bulletin_reads_only_its_district(world, june_evidence):
    district_b = world.hall_b1.district
    content = bulletin_content(
        bulletin=_bulletin(june_evidence.june, BulletinLevel.DISTRICT, district_b.city, district_b), as_of=AS_OF
    )
    assert [(g["grade"], g["count"]) for g in content.grades if g["count"]] == [("B", 1), ("D", 1)]
    # b1 alone: S1.1 5 of 20 -> 25.00 %, Q1.1 6 of 30 -> 20.00 %; columns are its halls.
    assert [(w["code"], w["share_lost"]) for w in content.weak] == [
        ("S1.1", Decimal("25.00")),
        ("Q1.1", Decimal("20.00")),
    ]
    assert content.heatmap["columns"] == [world.hall_b1.name]
    # a1's overdue rectification and a1's complaints and responses are district A's, not B's.
    assert content.overdue_count == 0
    assert (content.complaints["total"], content.complaints["substantiated"]) == (1, 0)
    assert (content.satisfaction["responses"], content.satisfaction["average"]) == (1, Decimal("6.00"))


def test_overdue_rectifications_complaints_and_satisfaction_in_the_province(world, june_evidence):
    content = bulletin_content(bulletin=_bulletin(june_evidence.june), as_of=AS_OF)
    assert content.overdue_count == 1 and content.overdue[0].hall == world.hall_a1  # due 06-20, open on 07-05
    assert (content.complaints["total"], content.complaints["substantiated"]) == (3, 1)
    assert [(c["category"], c["n"]) for c in content.complaints["categories"]] == [("服务态度", 2), ("业务办理", 1)]
    # (8 + 9 + 6) / 3 = 7.666… -> 7.67; lowest b1 6.00, then a1 (8 + 9) / 2 = 8.50
    assert content.satisfaction["average"] == Decimal("7.67")
    assert [(r["hall__code"], r["average"]) for r in content.satisfaction["lowest"]] == [
        (world.hall_b1.code, Decimal("6.00")), (world.hall_a1.code, Decimal("8.50"))
    ]  # fmt: skip
    assert bulletin_content(bulletin=content.bulletin, as_of=dt.date(2026, 6, 20)).overdue_count == 0


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _embedded_fonts(pdf: bytes) -> set[str]:
    """The names of the fonts whose program is embedded in the PDF (FontFile, FontFile2 or FontFile3)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(descriptor.get_object()["/FontName"]))
    return names


def test_asking_for_a_month_renders_a_pdf_per_scope_with_real_chinese_text(world, june_evidence, request_bulletins):
    made = request_bulletins()
    # The province, city C, districts A and B; rendered by the (eager) Celery task.
    assert sorted(b.level for b in made) == ["city", "district", "district", "province"]
    province = Bulletin.objects.get(level=BulletinLevel.PROVINCE)
    assert province.state == BulletinState.READY and province.pages >= 1
    text = _pdf_text(bytes(province.pdf))
    for heading in (
        "总体情况与等级分布",
        "排名与变动",
        "下月状态",
        "薄弱指标",
        "失分热力图",
        "逾期整改",
        "投诉与满意度",
    ):
        assert heading in text
    assert world.hall_a1.name in text and "服务态度" in text
    # Chinese extracted as Chinese, drawn with an embedded CJK font (not boxes of a fallback).
    assert any("WenQuanYi" in name or "Noto" in name for name in _embedded_fonts(bytes(province.pdf)))


def test_asking_again_renders_the_same_bulletins_anew(world, june_evidence, request_bulletins):
    first = {b.pk: Bulletin.objects.get(pk=b.pk).rendered_at for b in request_bulletins()}
    second = {b.pk: Bulletin.objects.get(pk=b.pk).rendered_at for b in request_bulletins()}
    assert Bulletin.objects.count() == 4 and not Bulletin.objects.exclude(state=BulletinState.READY).exists()
    assert first.keys() == second.keys() and all(second[pk] > first[pk] for pk in first)


def test_a_draft_month_has_no_bulletin(world, june_evidence):
    from halls.errors import ApplicationError

    with pytest.raises(ApplicationError):
        bulletins_request(month=june_evidence.july_draft.month, user=world.hq)


def test_bulletins_are_mailed_to_the_scopes_managers_when_switched_on(
    world, june_evidence, settings, request_bulletins
):
    settings.HALLQ_BULLETIN_EMAIL = True
    world.district_b.email = "dm_b@example.com"
    world.district_b.save()
    request_bulletins()
    to_b = [m for m in mail.outbox if "dm_b@example.com" in m.bcc]
    assert len(to_b) == 1 and to_b[0].attachments[0][2] == "application/pdf"
    assert Bulletin.objects.get(district=world.hall_b1.district).emailed_to == 1


def test_each_role_lists_the_bulletins_of_its_scope(client, world, june_evidence, request_bulletins):
    request_bulletins()
    city = world.hall_a1.district.city
    seen = {}
    for name, user in (("hq", world.hq), ("city", city_manager(city)), ("dm_a", world.district_a)):
        client.force_login(user)
        response = client.get(reverse("scoring:bulletin_list"))
        seen[name] = sorted(b.scope_name for b in response.context["bulletins"])
    assert len(seen["hq"]) == 4 and len(seen["city"]) == 4
    assert seen["dm_a"] == [f"{city.name} {world.hall_a1.district.name}"]
    district_b = Bulletin.objects.get(district=world.hall_b1.district)
    assert client.get(reverse("scoring:bulletin_download", args=[district_b.pk])).status_code == 404
    own = Bulletin.objects.get(district=world.hall_a1.district)
    response = client.get(reverse("scoring:bulletin_download", args=[own.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_hq_asks_for_a_months_bulletins_on_the_list_page(
    client, world, june_evidence, django_capture_on_commit_callbacks
):
    client.force_login(world.hq)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:bulletin_list"), {"month": "2026-06"})
    assert response.status_code == 302
    assert Bulletin.objects.filter(state=BulletinState.READY).count() == 4
