"""Entry photos sent one by one from the inspector's phone, each retried until stored.

The browser reduces a photo, gives it a key of its own and sends it alone; the same checks as a photo sent
with the form apply (type from the bytes, size limit, the inspection in the user's scope and still a draft,
an indicator of its tree). A retry of a photo already stored returns the stored one.
"""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from inspections.models import Inspection, InspectionState, Photo
from inspections.selectors import scheme_leaves
from inspections.services.entry import SUBMITTED_MESSAGE
from inspections.services.photos import photo_check, photos_store


def _stored(*, client_key: uuid.UUID, inspection_id: int) -> Photo | None:
    photo = Photo.objects.filter(client_key=client_key).first()
    if photo is not None and photo.inspection_id != inspection_id:
        raise ApplicationError(_("照片编号已被使用"))
    return photo


def inspection_photo_add(
    *, inspection_id: int, indicator_id: int, user, upload: UploadedFile, client_key: uuid.UUID
) -> tuple[Photo, bool]:
    """Store one photo of an item of a draft inspection; ``(photo, created)``."""
    photo = _stored(client_key=client_key, inspection_id=inspection_id)
    if photo is not None:
        return photo, False
    inspection = Inspection.objects.get(pk=inspection_id)
    if inspection.state != InspectionState.DRAFT:
        raise ApplicationError(_(SUBMITTED_MESSAGE))
    if indicator_id not in {
        ind.pk for ind in scheme_leaves(scheme_id=inspection.scheme_id, template_id=inspection.template_id)
    }:
        raise ApplicationError(_("该指标不属于本次检查的指标体系"))
    checked = photo_check(upload=upload)
    try:
        with transaction.atomic():
            (photo,) = photos_store(
                photos=[checked],
                user=user,
                hall_id=inspection.hall_id,
                inspection=inspection,
                indicator_id=indicator_id,
                client_key=client_key,
            )
    except IntegrityError:  # the same photo, retried while the first request was storing it
        photo = _stored(client_key=client_key, inspection_id=inspection_id)
        if photo is None:
            raise
        return photo, False
    return photo, True
