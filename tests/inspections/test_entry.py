"""Inspection entry: scope, every bad input refused with nothing saved, totals against the tree in force."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from halls.errors import ApplicationError
from inspections.models import Inspection, InspectionItem, InspectionState, Photo, Rectification
from inspections.services.entry import CONFLICT_MESSAGE, ItemEntry, inspection_save, inspection_start
from inspections.services.tree import scheme_activate, scheme_copy_to_draft
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import (
    at,
    codes,
    entries_for,
    hall_make_exempt,
    image_upload,
    inspection_enter,
    month_publish,
    refreshed,
)

pytestmark = pytest.mark.usefixtures("march", "policy")


def test_scored_na_veto_deduction_and_bonus_items_make_the_stored_totals(world, small_scheme):
    values = {
        "A1.1": 20,
        "A1.2": 15,
        "A2.1": 12.5,
        "B1.1": 30,
        "B1.2": "na",
        "V": ("veto", "与客户争吵"),
        "X": 2,
        "P": 1,
    }
    inspection = refreshed(
        inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values=values)
    )
    # awarded 20 + 15 + 12.5 + 30 = 77.5 of applicable 25 + 15 + 20 + 30 = 90 (B1.2 N/A leaves the maximum)
    assert inspection.points_awarded == Decimal("77.5")
    assert inspection.points_applicable == Decimal("90")
    # 77.5 / 90 * 100 = 86.111… → 86.11
    assert inspection.score == Decimal("86.11")
    assert inspection.vetoed is True
    assert inspection.deduction_points == Decimal("2")
    assert inspection.bonus_points == Decimal("1")
    assert inspection.state == InspectionState.SUBMITTED


def test_score_rounds_half_up_to_the_cent(world, small_scheme):
    values = {"A1.1": 0.5, "A1.2": 0, "A2.1": 0, "B1.1": 0, "B1.2": 0}
    inspection = refreshed(
        inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values=values)
    )
    # 0.5 / 100 * 100 = 0.5
    assert inspection.score == Decimal("0.50")
    values = {"A1.1": 25, "A1.2": 15, "A2.1": 20, "B1.1": 0.5, "B1.2": "na"}
    inspection = refreshed(
        inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values=values)
    )
    # 60.5 / 90 * 100 = 67.2222… → 67.22
    assert inspection.score == Decimal("67.22")


def test_a_full_marks_inspection_opens_no_rectification_and_a_lost_point_opens_one(world, small_scheme):
    full = inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values=FULL_MARKS)
    assert refreshed(full).score == Decimal("100.00")
    assert not Rectification.objects.filter(inspection=full).exists()
    lost = inspection_enter(
        user=world.district_a,
        hall=world.hall_a1,
        scheme=small_scheme,
        values={**FULL_MARKS, "A1.1": 24, "V": ("veto", "x")},
    )
    opened = Rectification.objects.filter(inspection=lost).select_related("indicator")
    assert sorted(r.indicator.code for r in opened) == ["A1.1", "V"]
    # default policy: due 7 days after the inspection day (2026-03-10)
    assert {r.due_date for r in opened} == {dt.date(2026, 3, 17)}


def test_the_tree_in_force_on_the_inspection_date_is_used(world, small_scheme):
    april = scheme_copy_to_draft(scheme=small_scheme, effective_from=dt.date(2026, 4, 1))
    scheme_activate(scheme=april)
    march = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-01 09:00")
    )
    assert march.scheme == small_scheme
    # March items of the April version are not recognised: only the March tree's leaves count.
    entries = entries_for(april, FULL_MARKS)
    with pytest.raises(ApplicationError) as exc:
        inspection_save(inspection_id=march.pk, user=world.district_a, lock_version=0, entries=entries, submit=True)
    assert any("请填写" in m for errors in exc.value.field_errors.values() for m in errors)


@pytest.mark.parametrize(
    ("values", "field_prefix", "message"),
    [
        ({**FULL_MARKS, "A1.1": 26}, "points", "得分应在 0 到 25 之间"),
        ({**FULL_MARKS, "A1.1": -1}, "points", "得分应在 0 到 25 之间"),
        ({**FULL_MARKS, "A1.1": 2.25}, "points", "0.5 的整数倍"),
        ({k: v for k, v in FULL_MARKS.items() if k != "B1.1"}, "points", "请填写 B1.1"),
        ({**FULL_MARKS, "A1.1": "na"}, "na", "不能标记为不适用"),
        ({**FULL_MARKS, "V": ("veto", " ")}, "note", "须写明原因"),
        ({**FULL_MARKS, "X": 3}, "points", "得分应在 0 到 2 之间"),
    ],
)
def test_bad_item_input_is_refused_beside_its_field_and_nothing_is_saved(
    world, small_scheme, values, field_prefix, message
):
    draft = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-10 10:00")
    )
    with pytest.raises(ApplicationError) as exc:
        inspection_save(
            inspection_id=draft.pk,
            user=world.district_a,
            lock_version=0,
            entries=entries_for(small_scheme, values),
            submit=True,
        )
    (field,) = [name for name in exc.value.field_errors if name.startswith(field_prefix)]
    assert message in " ".join(exc.value.field_errors[field])
    assert not InspectionItem.objects.filter(inspection=draft).exists()
    assert refreshed(draft).state == InspectionState.DRAFT
    assert refreshed(draft).lock_version == 0


def test_a_draft_may_be_saved_incomplete_but_not_submitted(world, small_scheme):
    draft = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="remote", inspected_at=at("2026-03-10 10:00")
    )
    inspection_save(
        inspection_id=draft.pk, user=world.district_a, lock_version=0, entries=entries_for(small_scheme, {"A1.1": 20})
    )
    assert InspectionItem.objects.filter(inspection=draft).count() == 1
    with pytest.raises(ApplicationError):
        inspection_save(
            inspection_id=draft.pk,
            user=world.district_a,
            lock_version=1,
            entries=entries_for(small_scheme, {"A1.1": 20}),
            submit=True,
        )
    assert refreshed(draft).state == InspectionState.DRAFT


def test_a_future_inspection_date_is_refused(world, small_scheme):
    with pytest.raises(ApplicationError, match="不能晚于现在") as exc:
        inspection_start(user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-10 13:00"))
    assert "inspected_at" in exc.value.field_errors
    assert not Inspection.objects.exists()


def test_an_inspection_in_a_published_month_is_refused(world, small_scheme):
    month_publish(dt.date(2026, 2, 1))
    with pytest.raises(ApplicationError, match="2026-02 的评定已发布，该月已冻结"):
        inspection_start(user=world.district_a, hall=world.hall_a1, kind="remote", inspected_at=at("2026-02-20 10:00"))
    assert not Inspection.objects.exists()


def test_submitting_a_draft_after_its_month_was_published_is_refused(world, small_scheme):
    draft = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-02 10:00")
    )
    month_publish(dt.date(2026, 3, 1))
    with pytest.raises(ApplicationError, match="已冻结"):
        inspection_save(
            inspection_id=draft.pk,
            user=world.district_a,
            lock_version=0,
            entries=entries_for(small_scheme, FULL_MARKS),
            submit=True,
        )
    assert not InspectionItem.objects.filter(inspection=draft).exists()


def test_an_exempt_hall_refuses_overt_but_not_remote_inspections_in_its_exempt_month(world, small_scheme):
    hall_make_exempt(world.hall_a1, dt.date(2026, 3, 1))
    with pytest.raises(ApplicationError, match="免检厅") as exc:
        inspection_start(user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-10 10:00"))
    assert "kind" in exc.value.field_errors
    assert not Inspection.objects.exists()
    remote = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="remote", inspected_at=at("2026-03-10 10:00")
    )
    assert remote.pk


def test_submitting_twice_is_refused_and_changes_nothing(world, small_scheme):
    inspection = inspection_enter(user=world.district_a, hall=world.hall_a1, scheme=small_scheme, values=FULL_MARKS)
    before = list(InspectionItem.objects.filter(inspection=inspection).values_list("pk", "points"))
    with pytest.raises(ApplicationError, match="已提交"):
        inspection_save(
            inspection_id=inspection.pk,
            user=world.district_a,
            lock_version=inspection.lock_version,
            entries=entries_for(small_scheme, {**FULL_MARKS, "A1.1": 0}),
            submit=True,
        )
    assert list(InspectionItem.objects.filter(inspection=inspection).values_list("pk", "points")) == before


def test_a_stale_draft_save_is_a_conflict_not_an_overwrite(world, small_scheme):
    draft = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-10 10:00")
    )
    inspection_save(
        inspection_id=draft.pk, user=world.district_a, lock_version=0, entries=entries_for(small_scheme, {"A1.1": 20})
    )
    with pytest.raises(ApplicationError, match=CONFLICT_MESSAGE):
        inspection_save(
            inspection_id=draft.pk,
            user=world.district_a,
            lock_version=0,
            entries=entries_for(small_scheme, {"A1.1": 5}),
        )
    assert InspectionItem.objects.get(inspection=draft).points == Decimal("20")


def test_photos_are_checked_by_content_and_size(world, small_scheme, settings):
    draft = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-10 10:00")
    )
    a11 = codes(small_scheme)["A1.1"]
    fake = image_upload("evil.jpg", "GIF")  # a GIF named .jpg
    with pytest.raises(ApplicationError) as exc:
        inspection_save(
            inspection_id=draft.pk,
            user=world.district_a,
            lock_version=0,
            entries={a11.pk: ItemEntry(points=Decimal(20), photos=[fake])},
        )
    assert "只接受 JPEG、PNG 或 WebP" in exc.value.field_errors[f"photos_{a11.pk}"][0]
    text = SimpleUploadedFile("notes.png", b"hello, not an image", content_type="image/png")
    with pytest.raises(ApplicationError) as exc:
        inspection_save(
            inspection_id=draft.pk, user=world.district_a, lock_version=0, entries={a11.pk: ItemEntry(photos=[text])}
        )
    assert "不是有效的图片" in exc.value.field_errors[f"photos_{a11.pk}"][0]
    settings.HALLQ_PHOTO_MAX_BYTES = 100
    big = image_upload("big.png", "PNG", size=(64, 64))
    with pytest.raises(ApplicationError) as exc:
        inspection_save(
            inspection_id=draft.pk, user=world.district_a, lock_version=0, entries={a11.pk: ItemEntry(photos=[big])}
        )
    assert "超过" in exc.value.field_errors[f"photos_{a11.pk}"][0]
    assert not Photo.objects.exists()
    assert not InspectionItem.objects.exists()
    settings.HALLQ_PHOTO_MAX_BYTES = 8 * 1024 * 1024
    good = image_upload("ok.webp", "WEBP")
    inspection_save(
        inspection_id=draft.pk, user=world.district_a, lock_version=0, entries={a11.pk: ItemEntry(photos=[good])}
    )
    photo = Photo.objects.get()
    assert photo.content_type == "image/webp"
    assert "ok" not in photo.file.name and photo.file.name.endswith(".webp")


def test_a_substantiated_complaint_item_is_recorded_but_deducts_nothing(world):
    """One rule for complaints: a substantiated complaint is scored once, in the grading's complaint
    dimension, so the default tree's 有效投诉 deduction item (DED1, 2 points) is kept on the inspection but
    not counted; 服务承诺未兑现 (DED2, 1 point) still deducts."""
    from inspections.services.tree import default_tree_load

    scheme, _created = default_tree_load()
    assert {i.code for i in scheme.indicators.filter(is_complaint=True)} == {"DED1"}
    full_marks = {i.code: i.points for i in scheme.indicators.filter(kind="scored", level=3)}
    inspection = refreshed(
        inspection_enter(
            user=world.district_a, hall=world.hall_a1, scheme=scheme, values={**full_marks, "DED1": 2, "DED2": 1}
        )
    )
    assert inspection.items.get(indicator__code="DED1").points == Decimal("2")
    # Deductions: DED2's 1 point only (DED1 is counted in the complaint dimension instead).
    assert inspection.deduction_points == Decimal("1")
    # A copy of the tree keeps the mark.
    draft = scheme_copy_to_draft(scheme=scheme, effective_from=dt.date(2026, 6, 1))
    assert draft.indicators.get(code="DED1").is_complaint


def test_the_migration_marks_the_default_complaint_item_and_takes_it_out_of_stored_deductions(world):
    import importlib

    from django.apps import apps

    from inspections.services.tree import default_tree_load

    migration = importlib.import_module("inspections.migrations.0007_indicator_is_complaint")
    scheme, _created = default_tree_load()
    scheme.indicators.update(is_complaint=False)  # as before the migration
    full_marks = {i.code: i.points for i in scheme.indicators.filter(kind="scored", level=3)}
    inspection = inspection_enter(
        user=world.district_a, hall=world.hall_a1, scheme=scheme, values={**full_marks, "DED1": 2, "DED2": 1}
    )
    assert refreshed(inspection).deduction_points == Decimal("3")
    migration.mark_default_complaint_items(apps, None)
    assert refreshed(inspection).deduction_points == Decimal("1")
    assert list(scheme.indicators.filter(is_complaint=True).values_list("code", flat=True)) == ["DED1"]
