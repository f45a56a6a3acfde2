"""The pages: a role × URL matrix, and each form end to end through the client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from halls.models import Notification
from halls.services import notification_send
from inspections.models import (
    Appeal,
    AppealState,
    CoachingVisit,
    Inspection,
    InspectionItem,
    InspectionState,
    Photo,
    Rectification,
    RectificationState,
)
from inspections.services.appeals import appeal_file
from inspections.services.coaching import coaching_visit_record
from inspections.services.entry import inspection_start
from inspections.services.tree import default_tree_load
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import at, codes, image_upload, inspection_enter

pytestmark = pytest.mark.usefixtures("march", "policy")


@pytest.fixture
def evidence(world, small_scheme):
    """In hall a1: a submitted inspection that lost points on A1.1 (with a photo), its rectification,
    an appeal, a coaching visit, a draft inspection; a notification for every user."""
    submitted = inspection_enter(
        user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values={**FULL_MARKS, "A1.1": 20}
    )
    item = InspectionItem.objects.select_related("inspection", "indicator").get(
        inspection=submitted, indicator__code="A1.1"
    )
    from inspections.services.photos import photo_check, photos_store

    (photo,) = photos_store(
        photos=[photo_check(upload=image_upload())],
        user=world.district_a,
        hall_id=world.hall_a1.pk,
        inspection=submitted,
        indicator=item.indicator,
    )
    appeal = appeal_file(user=world.manager_a1, item=item, reason="r", requested_points=Decimal(25))
    visit = coaching_visit_record(
        user=world.district_a, hall=world.hall_a1, kind="report", visit_date=dt.date(2026, 3, 9), content="排队引导辅导"
    )
    draft = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="remote", inspected_at=at("2026-03-10 9:00")
    )
    return {
        "inspection": submitted,
        "item": item,
        "photo": photo,
        "rectification": Rectification.objects.get(inspection=submitted),
        "appeal": appeal,
        "visit": visit,
        "draft": draft,
    }


def url_for(name, world, evidence):
    return {
        "list": reverse("inspections:list"),
        "start": reverse("inspections:start", args=[world.hall_a1.pk]),
        "detail": reverse("inspections:detail", args=[evidence["inspection"].pk]),
        "edit": reverse("inspections:edit", args=[evidence["draft"].pk]),
        "photo": reverse("inspections:photo", args=[evidence["photo"].pk]),
        "rect_list": reverse("inspections:rectification_list"),
        "rect": reverse("inspections:rectification_detail", args=[evidence["rectification"].pk]),
        "appeal_new": reverse("inspections:appeal_create", args=[evidence["item"].pk]),
        "appeal_list": reverse("inspections:appeal_list"),
        "appeal": reverse("inspections:appeal_detail", args=[evidence["appeal"].pk]),
        "coaching": reverse("inspections:coaching_list", args=[world.hall_a1.pk]),
        "notifications": reverse("inspections:notification_list"),
        "hall": reverse("halls:detail", args=[world.hall_a1.pk]),
    }[name]


ROLES = ("hq", "district_a", "district_b", "manager_a1", "manager_b1", "no_role")
MATRIX = {
    # page:        hq,  dm_a, dm_b, hm_a1, hm_b1, no role
    "list": (200, 200, 200, 200, 200, 403),
    "start": (403, 200, 404, 403, 403, 403),
    "detail": (200, 200, 404, 200, 404, 403),
    "edit": (403, 200, 404, 403, 403, 403),
    "photo": (200, 200, 404, 200, 404, 403),
    "rect_list": (200, 200, 200, 200, 200, 403),
    "rect": (200, 200, 404, 200, 404, 403),
    "appeal_new": (403, 403, 403, 200, 404, 403),
    "appeal_list": (200, 200, 200, 200, 200, 403),
    "appeal": (200, 200, 404, 200, 404, 403),
    "coaching": (200, 200, 404, 200, 404, 403),
    "notifications": (200, 200, 200, 200, 200, 403),
}


@pytest.mark.parametrize("page", MATRIX)
def test_every_page_answers_each_role_as_its_scope_says(client, world, evidence, page):
    url = url_for(page, world, evidence)
    assert client.get(url).status_code == 302  # anonymous → login
    for role, expected in zip(ROLES, MATRIX[page], strict=True):
        client.force_login(getattr(world, role))
        assert client.get(url).status_code == expected, (page, role)


def test_a_hall_manager_does_not_see_drafts(client, world, evidence):
    client.force_login(world.manager_a1)
    assert client.get(reverse("inspections:detail", args=[evidence["draft"].pk])).status_code == 404
    listed = client.get(reverse("inspections:list")).context["inspections"]
    assert evidence["draft"] not in listed and evidence["inspection"] in listed


def test_the_start_form_shows_why_an_exempt_hall_cannot_get_an_overt_inspection(client, world, small_scheme):
    from tests.inspections.factories import hall_make_exempt

    hall_make_exempt(world.hall_a1, dt.date(2026, 3, 1))
    client.force_login(world.district_a)
    response = client.post(
        reverse("inspections:start", args=[world.hall_a1.pk]), {"kind": "overt", "inspected_at": "2026-03-10T09:00"}
    )
    assert "免检厅" in response.context["form"].errors["kind"][0]
    assert not Inspection.objects.exists()


def test_a_hall_manager_cannot_fetch_a_photo_of_a_draft(client, world, evidence, small_scheme):
    from inspections.services.photos import photo_check, photos_store

    (photo,) = photos_store(
        photos=[photo_check(upload=image_upload())],
        user=world.district_a,
        hall_id=world.hall_a1.pk,
        inspection=evidence["draft"],
        indicator=codes(small_scheme)["A1.1"],
    )
    url = reverse("inspections:photo", args=[photo.pk])
    client.force_login(world.manager_a1)
    assert client.get(url).status_code == 404
    client.force_login(world.district_a)
    assert client.get(url).status_code == 200


def test_the_inspection_list_filters_by_hall_kind_state_and_month(client, world, evidence):
    client.force_login(world.hq)
    url = reverse("inspections:list")
    assert set(client.get(url).context["inspections"]) == {evidence["inspection"], evidence["draft"]}
    assert list(client.get(url, {"kind": "remote"}).context["inspections"]) == [evidence["draft"]]
    assert list(client.get(url, {"state": "submitted"}).context["inspections"]) == [evidence["inspection"]]
    assert list(client.get(url, {"hall_text": world.hall_b1.code}).context["inspections"]) == []
    assert list(client.get(url, {"month": "2026-02"}).context["inspections"]) == []
    assert len(client.get(url, {"month": "2026-03"}).context["inspections"]) == 2


def test_the_photo_is_served_with_its_content_type(client, world, evidence):
    client.force_login(world.manager_a1)
    response = client.get(url_for("photo", world, evidence))
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_the_hall_page_lists_inspections_rectifications_and_visits_and_offers_a_new_inspection(client, world, evidence):
    client.force_login(world.district_a)
    page = client.get(url_for("hall", world, evidence)).content.decode()
    assert reverse("inspections:start", args=[world.hall_a1.pk]) in page
    assert reverse("inspections:detail", args=[evidence["inspection"].pk]) in page
    assert reverse("inspections:rectification_detail", args=[evidence["rectification"].pk]) in page
    assert "排队引导辅导" in page
    client.force_login(world.manager_a1)
    page = client.get(url_for("hall", world, evidence)).content.decode()
    assert reverse("inspections:start", args=[world.hall_a1.pk]) not in page


def test_only_hq_sees_the_audit_trail_on_the_inspection_page(client, world, evidence):
    url = url_for("detail", world, evidence)
    client.force_login(world.hq)
    assert 'id="audit-trail"' in client.get(url).content.decode()
    client.force_login(world.district_a)
    assert 'id="audit-trail"' not in client.get(url).content.decode()


def test_a_district_manager_starts_fills_and_submits_an_inspection_through_the_pages(client, world, small_scheme):
    client.force_login(world.district_a)
    response = client.post(
        reverse("inspections:start", args=[world.hall_a2.pk]), {"kind": "overt", "inspected_at": "2026-03-10T09:30"}
    )
    inspection = Inspection.objects.get(hall=world.hall_a2)
    assert response.status_code == 302 and response["Location"] == reverse("inspections:edit", args=[inspection.pk])
    by_code = codes(small_scheme)
    data = {"lock_version": 0, "submit": "1"}
    for code, points in FULL_MARKS.items():
        data[f"points_{by_code[code].pk}"] = str(points)
    data[f"points_{by_code['A2.1'].pk}"] = "18.5"
    data[f"note_{by_code['A2.1'].pk}"] = "地面有纸屑"
    data[f"photos_{by_code['A2.1'].pk}"] = image_upload("floor.png", "PNG")
    data["note"] = "整体较好，环境卫生需加强"
    response = client.post(reverse("inspections:edit", args=[inspection.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.SUBMITTED
    # (25 + 15 + 18.5 + 30 + 10) / 100 * 100 = 98.5
    assert inspection.score == Decimal("98.50")
    assert inspection.note == "整体较好，环境卫生需加强"
    assert Photo.objects.filter(inspection=inspection, indicator=by_code["A2.1"]).count() == 1
    assert Rectification.objects.filter(inspection=inspection).count() == 1


def test_bad_entry_shows_the_error_beside_the_field_and_saves_nothing(client, world, small_scheme):
    client.force_login(world.district_a)
    draft = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-10 9:00")
    )
    a11 = codes(small_scheme)["A1.1"]
    response = client.post(
        reverse("inspections:edit", args=[draft.pk]), {"lock_version": 0, "submit": "1", f"points_{a11.pk}": "30"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "得分应在 0 到 25 之间" in form.errors[f"points_{a11.pk}"][0]
    assert "本次未保存任何内容" in form.non_field_errors()[0]
    assert not InspectionItem.objects.filter(inspection=draft).exists()


def test_the_start_form_shows_a_future_date_beside_the_field(client, world, small_scheme):
    client.force_login(world.district_a)
    response = client.post(
        reverse("inspections:start", args=[world.hall_a1.pk]), {"kind": "overt", "inspected_at": "2026-03-11T09:00"}
    )
    assert response.status_code == 200
    assert "检查时间不能晚于现在" in response.context["form"].errors["inspected_at"]
    assert not Inspection.objects.exists()


def test_the_hall_answers_and_the_district_verifies_through_the_pages(client, world, evidence):
    url = url_for("rect", world, evidence)
    client.force_login(world.manager_a1)
    response = client.post(url, {"fix_note": "已整改", "photos": image_upload("done.jpg")})
    assert response.status_code == 302
    client.force_login(world.district_a)
    assert client.post(url, {"decision": "verify", "review_note": "好"}).status_code == 302
    assert Rectification.objects.get().state == RectificationState.VERIFIED


def test_hq_decides_an_appeal_through_the_page_and_others_may_not(client, world, evidence):
    url = url_for("appeal", world, evidence)
    client.force_login(world.district_a)
    assert client.post(url, {"decision": "uphold"}).status_code == 403
    client.force_login(world.hq)
    response = client.post(
        url, {"lock_version": 0, "decision": "uphold", "decided_points": "25", "decision_note": "属实"}
    )
    assert response.status_code == 302
    assert Appeal.objects.get().state == AppealState.UPHELD
    assert Inspection.objects.get(pk=evidence["inspection"].pk).score == Decimal("100.00")


def test_the_hall_files_an_appeal_through_the_page(client, world, evidence):
    Appeal.objects.all().delete()
    client.force_login(world.manager_a1)
    url = url_for("appeal_new", world, evidence)
    response = client.post(url, {"requested_points": "30", "reason": "x"})
    assert "0 到 25" in response.context["form"].errors["requested_points"][0]
    response = client.post(url, {"requested_points": "25", "reason": "当时顾客较多", "photos": image_upload()})
    assert response.status_code == 302
    assert Appeal.objects.get().photos.count() == 1


def test_coaching_visits_are_recorded_by_district_managers_and_searchable(client, world, evidence):
    url = url_for("coaching", world, evidence)
    client.force_login(world.district_a)
    response = client.post(url, {"kind": "plan", "visit_date": "2026-03-11", "content": "周三辅导 5S 环境"})
    assert response.status_code == 302
    plan = CoachingVisit.objects.get(kind="plan")
    assert plan.week_start == dt.date(2026, 3, 9)  # the Monday of that week
    found = client.get(url, {"q": "5S"}).context["visits"]
    assert list(found) == [plan]
    found = client.get(url, {"date_to": "2026-03-10"}).context["visits"]
    assert list(found) == [evidence["visit"]]
    client.force_login(world.manager_a1)
    assert client.post(url, {"kind": "plan", "visit_date": "2026-03-11", "content": "x"}).status_code == 403


def test_the_notification_page_counts_unread_and_marks_them_read(client, world):
    notification_send(recipients=[world.district_a], title="整改逾期预警")
    client.force_login(world.district_a)
    response = client.get(reverse("inspections:notification_list"))
    assert response.context["unread_notifications"] == 1
    assert 'id="nav-unread"' in response.content.decode()
    client.post(reverse("inspections:notification_list"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_saving_an_inspection_of_the_full_default_tree_takes_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    scheme, _ = default_tree_load()
    client.force_login(world.district_a)
    draft = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-10 9:00")
    )
    leaves = [ind for ind in scheme.indicators.all() if ind.level == 3]
    data = {"lock_version": 0, "submit": "1"}
    for index, ind in enumerate(leaves):
        data[f"points_{ind.pk}"] = str(ind.points - (1 if index % 3 == 0 else 0))  # every third loses a point
        data[f"note_{ind.pk}"] = f"note {index}"
    url = reverse("inspections:edit", args=[draft.pk])
    with django_assert_max_num_queries(30) as captured:
        response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    print(f"queries for saving {len(leaves)} leaves: {len(captured)}")
    draft.refresh_from_db()
    assert draft.state == InspectionState.SUBMITTED
    assert InspectionItem.objects.filter(inspection=draft).count() == len(leaves)
    assert Rectification.objects.filter(inspection=draft).count() == len(leaves[::3])


def test_the_admin_lists_inspections_read_only_with_their_history(client, world, evidence):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:inspections_inspection_changelist")).status_code == 200
    history = client.get(reverse("admin:inspections_inspection_history", args=[evidence["inspection"].pk]))
    assert history.status_code == 200
    assert client.get(reverse("admin:inspections_inspection_add")).status_code == 403
