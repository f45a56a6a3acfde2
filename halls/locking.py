"""Optimistic locking for things two people may edit at once (an inspection draft, an appeal decision,
a grading policy).

A versioned model has ``lock_version = models.PositiveIntegerField(default=0)``. The edit form carries
the version the user loaded (a hidden field); the service saves with :func:`update_with_version`, which
writes only if the row still has that version and bumps it in the same UPDATE. The second of two
concurrent saves matches no row and gets :class:`ConflictError`: nothing of the first save is
overwritten, and the second user is told to reload and redo their change.

    new_version = update_with_version(GradingPolicy.objects, policy.pk, form.cleaned_data["lock_version"],
                                      bonus_cap=Decimal("4"))

``queryset.update()`` bypasses ``save()``: ``auto_now`` fields and django-simple-history are not
triggered (pass ``updated_at=timezone.now()`` yourself; record history with :func:`save_with_version`).
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from halls.errors import ApplicationError

CONFLICT_MESSAGE = gettext_noop(
    "保存失败：在你编辑期间，该记录已被其他人修改并保存。你的修改未保存，请刷新页面查看最新内容后重新修改。"
)


class ConflictError(ApplicationError):
    """The row changed since the user loaded it (its version moved on)."""

    def __init__(self, *, current_version: int | None = None):
        super().__init__(_(CONFLICT_MESSAGE))
        self.current_version = current_version


def _queryset(model_or_qs) -> models.QuerySet:
    if isinstance(model_or_qs, models.QuerySet):
        return model_or_qs
    if isinstance(model_or_qs, models.Manager):
        return model_or_qs.all()
    return model_or_qs._default_manager.all()


def update_with_version(model_qs, pk, expected_version: int, *, version_field: str = "lock_version", **changes) -> int:
    """Write ``changes`` to row ``pk`` only if its version is still ``expected_version``; return the new version.

    ``model_qs`` is a model, manager or queryset (a scoped queryset keeps the write inside the user's scope).
    Raises :class:`ConflictError` if the version moved on, the model's ``DoesNotExist`` if there is no such
    row (in ``model_qs``).
    """
    if version_field in changes:
        raise ValueError(f"{version_field} is managed by update_with_version, not passed as a change")
    qs = _queryset(model_qs)
    updated = qs.filter(pk=pk, **{version_field: expected_version}).update(
        **{version_field: F(version_field) + 1}, **changes
    )
    if updated:
        return expected_version + 1
    current = qs.filter(pk=pk).values_list(version_field, flat=True).first()
    if current is None:
        raise qs.model.DoesNotExist(f"{qs.model._meta.object_name} {pk} does not exist")
    raise ConflictError(current_version=current)


@transaction.atomic
def save_with_version(
    instance: models.Model, expected_version: int, *, fields: list[str], version_field: str = "lock_version"
) -> models.Model:
    """Save ``fields`` of an edited instance (e.g. from ``form.save(commit=False)``) under the version check.

    The row is locked, its version compared, then ``instance.save(update_fields=...)`` runs, so ``save()``
    side effects (simple-history, ``auto_now``) happen as usual. Raises :class:`ConflictError` on a stale
    version.
    """
    model = type(instance)
    current = (
        model._default_manager.select_for_update().filter(pk=instance.pk).values_list(version_field, flat=True).first()
    )
    if current is None:
        raise model.DoesNotExist(f"{model._meta.object_name} {instance.pk} does not exist")
    if current != expected_version:
        raise ConflictError(current_version=current)
    setattr(instance, version_field, expected_version + 1)
    instance.save(update_fields=[*fields, version_field])
    return instance
