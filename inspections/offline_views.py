"""The entry page's background endpoints (JSON), its service worker and the web app manifest.

The page keeps what is typed on the phone and sends it here: a draft save or a queued submit through the
same service as the form (``inspection_save``, guarded by ``lock_version``), photos one by one. The service
worker is served from the site root so that it controls the entry pages.
"""

from __future__ import annotations

import json
import uuid

from django import forms
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET

from halls.errors import ApplicationError
from halls.mixins import DISTRICT_LEVEL_ROLES, RoleRequiredMixin
from inspections.forms import inspection_entry_form
from inspections.models import InspectionState
from inspections.selectors import inspection_entry_values, inspection_get
from inspections.services.entry import EntryConflict, inspection_save
from inspections.services.entry_photos import inspection_photo_add


class _EntryEndpoint(RoleRequiredMixin, View):
    """POST only; a district manager with the inspection in scope (403 for other roles, 404 outside)."""

    allowed_roles = DISTRICT_LEVEL_ROLES

    def load(self):
        self.inspection = inspection_get(user=self.request.user, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.load()
        return HttpResponse(status=405, headers={"Allow": "POST"})


def _errors(message: str, field_errors: dict, status: int = 400, **extra) -> JsonResponse:
    return JsonResponse({"error": message, "field_errors": field_errors, **extra}, status=status)


class InspectionAutosaveView(_EntryEndpoint):
    """A draft save (``submit`` absent) or a submission (``submit`` and its ``submit_key``), as JSON."""

    def post(self, request, *args, **kwargs):
        self.load()
        form = inspection_entry_form(inspection=self.inspection, data=request.POST)
        if not form.is_valid():
            return _errors(_("录入有误，请按提示修改后再保存；本次未保存任何内容"), form.errors)
        submit = "submit" in request.POST
        try:
            inspection = inspection_save(
                inspection_id=self.inspection.pk,
                user=request.user,
                lock_version=form.cleaned_data["lock_version"],
                entries=form.entries(),
                submit=submit,
                note=form.cleaned_data["note"],
                submit_key=form.cleaned_data["submit_key"],
            )
        except EntryConflict as exc:
            self.inspection.refresh_from_db()
            return _errors(
                exc.message,
                {},
                status=409,
                conflict=True,
                lock_version=self.inspection.lock_version,
                server=inspection_entry_values(inspection=self.inspection),
            )
        except ApplicationError as exc:
            return _errors(exc.message, exc.field_errors)
        submitted = inspection.state == InspectionState.SUBMITTED
        return JsonResponse(
            {
                "lock_version": inspection.lock_version,
                "state": inspection.state,
                "redirect": reverse("inspections:detail", args=[inspection.pk]) if submitted else "",
            }
        )


class PhotoUploadForm(forms.Form):
    indicator = forms.IntegerField()
    client_key = forms.UUIDField()
    photo = forms.FileField()


class InspectionPhotoUploadView(_EntryEndpoint):
    """One photo of one item, reduced by the browser and retried until it is stored."""

    def post(self, request, *args, **kwargs):
        self.load()
        form = PhotoUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _errors(_("照片上传有误"), form.errors)
        data = form.cleaned_data
        try:
            photo, created = inspection_photo_add(
                inspection_id=self.inspection.pk,
                indicator_id=data["indicator"],
                user=request.user,
                upload=data["photo"],
                client_key=data["client_key"],
            )
        except ApplicationError as exc:
            return _errors(exc.message, exc.field_errors)
        return JsonResponse(
            {"id": photo.pk, "url": reverse("inspections:photo", args=[photo.pk])}, status=201 if created else 200
        )


# Entry pages the service worker keeps for offline use (a pattern of their path, in JavaScript syntax).
ENTRY_PAGE_PATTERN = r"^/inspections/\d+/edit/$"
SHELL_FILES = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/idb-keyval/idb-keyval.umd.js",
    "css/app.css",
    "js/inspections-entry.js",
    "js/inspections-offline.js",
    "icons/hallq-192.png",
)
WORKBOX_MODULES = ("core", "routing", "strategies")


@require_GET
def service_worker_view(request):
    """From the site root, so it may control the entry pages; re-checked by the browser on every visit."""
    response = render(
        request,
        "sw.js",
        {
            # JSON is JavaScript: the worker reads these as literals (a script file, not HTML).
            "workbox": json.dumps([static(f"vendor/workbox/workbox-{name}.prod.js") for name in WORKBOX_MODULES]),
            "shell": json.dumps([static(path) for path in SHELL_FILES]),
            "static_url": json.dumps(static("")),
            "entry_pattern": json.dumps(ENTRY_PAGE_PATTERN),
            "login_path": json.dumps(reverse("login")),
            # A new static file (a new hashed name) is a new worker, whose caches replace the old ones.
            "version": uuid.uuid5(uuid.NAMESPACE_URL, " ".join(static(p) for p in SHELL_FILES)).hex[:12],
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, max-age=0"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest_view(request):
    """The web app manifest: the app can be added to a phone's home screen and opens full screen."""
    manifest = {
        "name": _("营业厅服务质量管理"),
        "short_name": _("厅店质量"),
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "display_override": ["fullscreen", "standalone"],
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("icons/hallq-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/hallq-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("icons/hallq-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = JsonResponse(
        manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "private, max-age=3600"  # in the user's language
    return response


inspection_autosave_view = InspectionAutosaveView.as_view()
inspection_photo_upload_view = InspectionPhotoUploadView.as_view()
