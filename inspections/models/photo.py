"""Photos: evidence attached to an inspection item, a rectification or an appeal.

Files are stored under random names in a folder of their own and never served by the web server:
``inspections.views.photo_view`` streams them to users whose scope includes the hall.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from halls.models import Hall
from inspections.models.inspection import Inspection
from inspections.models.tree import Indicator


def photo_upload_to(instance: Photo, filename: str) -> str:
    # The uploaded name is ignored: it may be guessable or carry personal data.
    return f"photos/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{instance.extension}"


class Photo(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="photos")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rectification = models.ForeignKey(
        "inspections.Rectification", null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    appeal = models.ForeignKey(
        "inspections.Appeal", null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("照片"), upload_to=photo_upload_to, max_length=200)
    content_type = models.CharField(max_length=32)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Made by the browser for a photo sent on its own and retried until stored: a retry stores it once.
    client_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        constraints = [
            models.CheckConstraint(
                condition=Q(inspection__isnull=False) | Q(rectification__isnull=False) | Q(appeal__isnull=False),
                name="photo_belongs_somewhere",
            ),
        ]
