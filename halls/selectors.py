"""Reads for halls, and the one place that decides who may see which hall.

Every list and detail page of every app filters through :func:`scope_for`: HQ sees all halls,
a district manager the halls of his districts, a hall manager his own hall, anyone else nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404

from halls.models import DistrictCompany, Hall, MarketingUnit, Role


@dataclass(frozen=True)
class Scope:
    role: str | None
    district_ids: frozenset[int] = field(default_factory=frozenset)
    hall_id: int | None = None

    @property
    def is_hq(self) -> bool:
        return self.role == Role.HQ

    @property
    def is_district_manager(self) -> bool:
        return self.role == Role.DISTRICT_MANAGER

    @property
    def is_hall_manager(self) -> bool:
        return self.role == Role.HALL_MANAGER

    def hall_q(self, hall_path: str = "") -> Q:
        """A filter on the hall reached by ``hall_path`` ("" for Hall itself, "hall" for a FK)."""
        prefix = f"{hall_path}__" if hall_path else ""
        if self.is_hq:
            return Q()
        if self.is_district_manager:
            return Q(**{f"{prefix}district_id__in": self.district_ids})
        if self.is_hall_manager and self.hall_id is not None:
            return Q(**{f"{prefix}pk" if not hall_path else f"{hall_path}_id": self.hall_id})
        return Q(pk__in=[])

    def filter(self, queryset: QuerySet, hall_path: str = "hall") -> QuerySet:
        if not (self.is_hq or self.is_district_manager or self.is_hall_manager):
            return queryset.none()
        return queryset.filter(self.hall_q(hall_path))

    def includes(self, hall: Hall) -> bool:
        if self.is_hq:
            return True
        if self.is_district_manager:
            return hall.district_id in self.district_ids
        if self.is_hall_manager:
            return hall.pk == self.hall_id
        return False


NO_SCOPE = Scope(role=None)


def scope_for(user) -> Scope:
    """The scope of ``user``, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return NO_SCOPE
    cached = getattr(user, "_hallq_scope", None)
    if cached is not None:
        return cached
    profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
    if profile is None:
        scope = Scope(role=Role.HQ) if user.is_superuser else NO_SCOPE
    else:
        district_ids = (
            frozenset(profile.districts.values_list("pk", flat=True))
            if profile.role == Role.DISTRICT_MANAGER
            else frozenset()
        )
        scope = Scope(role=profile.role, district_ids=district_ids, hall_id=profile.hall_id)
    user._hallq_scope = scope
    return scope


def hall_list(*, user, filters: dict | None = None) -> QuerySet[Hall]:
    qs = Hall.objects.select_related("district__city", "marketing_unit")
    return scope_for(user).filter(qs, hall_path="")


def hall_get(*, user, pk: int) -> Hall:
    """The hall, or 404 when it does not exist or lies outside the user's scope."""
    try:
        return hall_list(user=user).get(pk=pk)
    except Hall.DoesNotExist as exc:
        raise Http404("No hall in your scope matches") from exc


def district_list(*, user) -> QuerySet[DistrictCompany]:
    qs = DistrictCompany.objects.select_related("city")
    scope = scope_for(user)
    if scope.is_hq:
        return qs
    if scope.is_district_manager:
        return qs.filter(pk__in=scope.district_ids)
    if scope.is_hall_manager:
        return qs.filter(halls__pk=scope.hall_id)
    return qs.none()


def hall_history(*, hall: Hall) -> list[dict]:
    """Every recorded change to ``hall``, newest first: when, who, why (the import batch), and each changed
    field before and after, districts and units by name (three queries, whatever the number of changes)."""
    records = list(hall.history.select_related("history_user").order_by("history_date", "history_id"))
    district_ids = {r.district_id for r in records}
    unit_ids = {r.marketing_unit_id for r in records}
    names = {
        ("district", pk): name
        for pk, name in DistrictCompany.objects.filter(pk__in=district_ids).values_list("pk", "name")
    }
    names |= {
        ("marketing_unit", pk): name
        for pk, name in MarketingUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name")
    }
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                field = Hall._meta.get_field(change.field)
                old, new = change.old, change.new
                if field.is_relation:
                    old, new = names.get((field.name, old), old), names.get((field.name, new), new)
                elif field.choices:
                    choices = dict(field.flatchoices)
                    old, new = choices.get(old, old), choices.get(new, new)
                changes.append({"label": field.verbose_name, "old": old, "new": new})
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "action": record.get_history_type_display(),
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
        previous = record
    entries.reverse()
    return entries
