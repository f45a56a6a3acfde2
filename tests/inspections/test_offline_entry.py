"""The entry page's background endpoints: a draft saved as JSON, a submit sent twice submitting once, a
conflict answered with the server's version, photos sent one by one; the service worker and the manifest."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from inspections.models import Inspection, InspectionState, Photo
from inspections.services.entry import CONFLICT_MESSAGE, inspection_save, inspection_start
from tests.inspections.conftest import FULL_MARKS
from tests.inspections.factories import at, codes, entries_for, image_upload, refreshed

pytestmark = pytest.mark.usefixtures("march", "policy")


@pytest.fixture
def draft(world, small_scheme):
    return inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="overt", inspected_at=at("2026-03-10 10:00")
    )


def _form(scheme, values: dict, *, lock_version: int, **extra) -> dict:
    by_code = codes(scheme)
    data = {"lock_version": lock_version, **extra}
    for code, value in values.items():
        data[f"points_{by_code[code].pk}"] = str(value)
    return data


def test_a_submit_sent_twice_with_its_key_submits_once_and_the_retry_succeeds(world, small_scheme, draft):
    key = uuid.uuid4()
    entries = entries_for(small_scheme, FULL_MARKS)
    first = inspection_save(
        inspection_id=draft.pk, user=world.district_a, lock_version=0, entries=entries, submit=True, submit_key=key
    )
    # The retry after a timeout carries the page's old lock version and the same key: no error, no change.
    again = inspection_save(
        inspection_id=draft.pk, user=world.district_a, lock_version=0, entries=entries, submit=True, submit_key=key
    )
    assert again.pk == first.pk
    assert Inspection.objects.count() == 1
    inspection = refreshed(first)
    assert inspection.state == InspectionState.SUBMITTED and inspection.submit_key == key
    assert inspection.history.filter(state=InspectionState.SUBMITTED).count() == 1


def test_a_second_submit_with_another_key_is_still_refused(world, small_scheme, draft):
    from halls.errors import ApplicationError

    entries = entries_for(small_scheme, FULL_MARKS)
    inspection_save(
        inspection_id=draft.pk,
        user=world.district_a,
        lock_version=0,
        entries=entries,
        submit=True,
        submit_key=uuid.uuid4(),
    )
    with pytest.raises(ApplicationError):
        inspection_save(
            inspection_id=draft.pk,
            user=world.district_a,
            lock_version=1,
            entries=entries,
            submit=True,
            submit_key=uuid.uuid4(),
        )


def test_the_database_refuses_one_submit_key_on_two_inspections(world, small_scheme, draft):
    key = uuid.uuid4()
    Inspection.objects.filter(pk=draft.pk).update(submit_key=key)
    other = inspection_start(
        user=world.district_a, hall=world.hall_a1, kind="remote", inspected_at=at("2026-03-10 11:00")
    )
    with pytest.raises(IntegrityError):
        Inspection.objects.filter(pk=other.pk).update(submit_key=key)


def test_autosave_saves_the_draft_and_answers_the_new_lock_version(client, world, small_scheme, draft):
    client.force_login(world.district_a)
    url = reverse("inspections:autosave", args=[draft.pk])
    response = client.post(url, _form(small_scheme, {"A1.1": 20}, lock_version=0, note="门口有积水"))
    assert response.status_code == 200
    assert response.json() == {"lock_version": 1, "state": "draft", "redirect": ""}
    inspection = refreshed(draft)
    assert inspection.items.get().points == Decimal("20")
    assert inspection.note == "门口有积水"


def test_a_stale_autosave_is_a_conflict_that_answers_the_servers_version(client, world, small_scheme, draft):
    client.force_login(world.district_a)
    url = reverse("inspections:autosave", args=[draft.pk])
    assert client.post(url, _form(small_scheme, {"A1.1": 20}, lock_version=0)).status_code == 200
    # A second phone, still on version 0, saves its own value.
    response = client.post(url, _form(small_scheme, {"A1.1": 10}, lock_version=0))
    assert response.status_code == 409
    body = response.json()
    assert body["conflict"] is True and body["error"] == CONFLICT_MESSAGE
    assert body["lock_version"] == 1
    a11 = codes(small_scheme)["A1.1"].pk
    assert body["server"][f"points_{a11}"] == "20"
    assert refreshed(draft).items.get().points == Decimal("20")


def test_autosave_submits_with_the_key_and_answers_the_inspection_page(client, world, small_scheme, draft):
    client.force_login(world.district_a)
    url = reverse("inspections:autosave", args=[draft.pk])
    key = str(uuid.uuid4())
    data = _form(small_scheme, FULL_MARKS, lock_version=0, submit="1", submit_key=key)
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 200
    assert second.json()["redirect"] == reverse("inspections:detail", args=[draft.pk])
    assert refreshed(draft).state == InspectionState.SUBMITTED


def test_autosave_shows_errors_by_field_and_saves_nothing(client, world, small_scheme, draft):
    client.force_login(world.district_a)
    response = client.post(
        reverse("inspections:autosave", args=[draft.pk]), _form(small_scheme, {"A1.1": 26}, lock_version=0)
    )
    assert response.status_code == 400
    a11 = codes(small_scheme)["A1.1"].pk
    assert f"points_{a11}" in response.json()["field_errors"]
    assert not refreshed(draft).items.exists()


def test_a_photo_sent_alone_is_stored_once_however_often_it_is_retried(client, world, small_scheme, draft):
    client.force_login(world.district_a)
    url = reverse("inspections:photo_upload", args=[draft.pk])
    key = str(uuid.uuid4())
    indicator = codes(small_scheme)["A1.1"].pk
    first = client.post(url, {"indicator": indicator, "client_key": key, "photo": image_upload("a.jpg")})
    again = client.post(url, {"indicator": indicator, "client_key": key, "photo": image_upload("a.jpg")})
    assert (first.status_code, again.status_code) == (201, 200)
    photo = Photo.objects.get()
    assert (photo.inspection_id, photo.indicator_id, str(photo.client_key)) == (draft.pk, indicator, key)
    assert first.json()["url"] == reverse("inspections:photo", args=[photo.pk])


def test_a_photo_sent_alone_keeps_the_checks_of_type_and_tree(client, world, small_scheme, draft, settings):
    client.force_login(world.district_a)
    url = reverse("inspections:photo_upload", args=[draft.pk])
    indicator = codes(small_scheme)["A1.1"].pk
    not_an_image = {"indicator": indicator, "client_key": str(uuid.uuid4()), "photo": _text_file()}
    response = client.post(url, not_an_image)
    assert response.status_code == 400 and "不是有效的图片" in response.json()["error"]
    gif = {"indicator": indicator, "client_key": str(uuid.uuid4()), "photo": image_upload("a.gif", "GIF")}
    assert "GIF" in client.post(url, gif).json()["error"]
    settings.HALLQ_PHOTO_MAX_BYTES = 10
    big = {"indicator": indicator, "client_key": str(uuid.uuid4()), "photo": image_upload("b.jpg")}
    assert "上限" in client.post(url, big).json()["error"]
    settings.HALLQ_PHOTO_MAX_BYTES = 8 * 1024 * 1024
    parent = codes(small_scheme)["A1"].pk  # not a leaf of the tree
    branch = {"indicator": parent, "client_key": str(uuid.uuid4()), "photo": image_upload("c.jpg")}
    assert client.post(url, branch).status_code == 400
    assert not Photo.objects.exists()


def _text_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.jpg", b"not a picture", content_type="image/jpeg")


def test_no_photo_is_added_to_a_submitted_inspection(client, world, small_scheme, draft):
    inspection_save(
        inspection_id=draft.pk,
        user=world.district_a,
        lock_version=0,
        entries=entries_for(small_scheme, FULL_MARKS),
        submit=True,
    )
    client.force_login(world.district_a)
    response = client.post(
        reverse("inspections:photo_upload", args=[draft.pk]),
        {"indicator": codes(small_scheme)["A1.1"].pk, "client_key": str(uuid.uuid4()), "photo": image_upload()},
    )
    assert response.status_code == 400
    assert not Photo.objects.exists()


def test_the_entry_page_carries_its_offline_settings_and_the_manifest(client, world, small_scheme, draft):
    client.force_login(world.district_a)
    response = client.get(reverse("inspections:edit", args=[draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="entry-config"' in html and reverse("inspections:autosave", args=[draft.pk]) in html
    assert f'"storeKey": "hallq-entry:{draft.pk}:{world.district_a.pk}"' in html
    assert 'rel="manifest"' in html and 'capture="environment"' in html
    assert 'name="submit_key"' in html


def test_the_service_worker_is_served_from_the_root_with_a_short_cache_lifetime(client):
    response = client.get(reverse("service_worker"))
    assert reverse("service_worker") == "/sw.js"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert "vendor/workbox/workbox-core.prod.js" in body and "js/inspections-offline.js" in body
    assert "https://" not in body  # nothing from a CDN


def test_the_manifest_opens_the_app_full_screen_with_its_icons(client):
    assert f'rel="manifest" href="{reverse("manifest")}"' in client.get(reverse("login")).content.decode()
    manifest = client.get(reverse("manifest")).json()
    assert manifest["display"] == "standalone" and "fullscreen" in manifest["display_override"]
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert manifest["start_url"] == "/"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_tap_racing_on_two_connections_submits_once_and_both_succeed(world, small_scheme, draft):
    import threading
    import time

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks between two connections")
    key = uuid.uuid4()
    entries = entries_for(small_scheme, FULL_MARKS)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def submit(who: str) -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                inspection_save(
                    inspection_id=draft.pk,
                    user=world.district_a,
                    lock_version=0,
                    entries=entries,
                    submit=True,
                    submit_key=key,
                )
                time.sleep(0.3)  # hold the row: the other tap reads the draft, then waits on the claim
            outcomes[who] = "submitted"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test compares
            outcomes[who] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(who,)) for who in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {"first": "submitted", "second": "submitted"}
    inspection = refreshed(draft)
    assert inspection.state == InspectionState.SUBMITTED and inspection.submit_key == key
    assert inspection.history.filter(state=InspectionState.SUBMITTED).count() == 1
