"""Photos: checked by content (JPEG, PNG or WebP, by Pillow), capped in size, stored under random names."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from halls.errors import ApplicationError
from inspections.models import Photo

# Pillow's format name → (content type, file extension).
ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


@dataclass(frozen=True)
class CheckedPhoto:
    upload: UploadedFile
    content_type: str
    extension: str


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def photo_check(*, upload: UploadedFile) -> CheckedPhoto:
    """The photo's type as its bytes say; a clear error for anything else or anything too large."""
    limit = settings.HALLQ_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise ApplicationError(
            _("照片“%(name)s”大小超过 %(limit)s MB 上限") % {"name": upload.name, "limit": _megabytes(limit)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ApplicationError(
            _("文件“%(name)s”不是有效的图片，只接受 JPEG、PNG 或 WebP 照片") % {"name": upload.name}
        ) from exc
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ApplicationError(
            _("文件“%(name)s”是 %(format)s 格式，只接受 JPEG、PNG 或 WebP 照片")
            % {"name": upload.name, "format": image_format}
        )
    content_type, extension = ALLOWED_FORMATS[image_format]
    return CheckedPhoto(upload=upload, content_type=content_type, extension=extension)


def photos_check(*, uploads: list[UploadedFile], field: str) -> list[CheckedPhoto]:
    """Check each upload; the errors, all of them, against ``field``."""
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(photo_check(upload=upload))
        except ApplicationError as exc:
            errors.append(exc.message)
    if errors:
        raise ApplicationError(errors[0], field_errors={field: errors})
    return checked


def photos_store(*, photos: list[CheckedPhoto], user, hall_id: int, **owner) -> list[Photo]:
    """Save checked photos; ``owner`` names what they belong to (inspection and indicator, rectification
    or appeal). One row each: files are written one by one anyway."""
    stored = []
    for photo in photos:
        row = Photo(
            hall_id=hall_id,
            content_type=photo.content_type,
            extension=photo.extension,
            size=photo.upload.size,
            uploaded_by=user,
            **owner,
        )
        row.file.save(photo.upload.name, photo.upload, save=False)
        row.save()
        stored.append(row)
    return stored
