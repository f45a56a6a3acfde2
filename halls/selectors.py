"""Reads for halls, and the one place that decides who may see which hall.

Every list and detail page of every app filters through :func:`scope_for`: HQ sees all halls,
a city company's customer service (地市客服) the halls of its cities, a district manager the halls of his
districts, a hall manager his own hall, anyone else nothing.

A city manager acts on its cities' halls as a district manager does on his district's: its scope carries
the districts of its cities, so every filter and every check that a district manager passes through
(``district_ids``, :attr:`Scope.manages_districts`) serves both without a view knowing the difference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from halls.models import (
    CityCompany,
    DistrictCompany,
    GradingPolicy,
    Hall,
    HallVersion,
    MarketingUnit,
    OrganisationVersion,
    PolicyState,
    Role,
    Staff,
)
from halls.months import month_add, month_start


@dataclass(frozen=True)
class Scope:
    role: str | None
    # A city manager's districts are every district of its cities, read when the scope is built.
    district_ids: frozenset[int] = field(default_factory=frozenset)
    hall_id: int | None = None
    city_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_hq(self) -> bool:
        return self.role == Role.HQ

    @property
    def is_district_manager(self) -> bool:
        return self.role == Role.DISTRICT_MANAGER

    @property
    def is_city_manager(self) -> bool:
        return self.role == Role.CITY_MANAGER

    @property
    def is_hall_manager(self) -> bool:
        return self.role == Role.HALL_MANAGER

    @property
    def manages_districts(self) -> bool:
        """District and city managers: they inspect, verify rectifications and coach in their districts."""
        return self.role in (Role.DISTRICT_MANAGER, Role.CITY_MANAGER)

    def hall_q(self, hall_path: str = "") -> Q:
        """A filter on the hall reached by ``hall_path`` ("" for Hall itself, "hall" for a FK)."""
        prefix = f"{hall_path}__" if hall_path else ""
        if self.is_hq:
            return Q()
        if self.manages_districts:
            return Q(**{f"{prefix}district_id__in": self.district_ids})
        if self.is_hall_manager and self.hall_id is not None:
            return Q(**{f"{prefix}pk" if not hall_path else f"{hall_path}_id": self.hall_id})
        return Q(pk__in=[])

    def filter(self, queryset: QuerySet, hall_path: str = "hall") -> QuerySet:
        if not (self.is_hq or self.manages_districts or self.is_hall_manager):
            return queryset.none()
        return queryset.filter(self.hall_q(hall_path))

    def includes(self, hall: Hall) -> bool:
        if self.is_hq:
            return True
        if self.manages_districts:
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
        city_ids: frozenset[int] = frozenset()
        district_ids: frozenset[int] = frozenset()
        if profile.role == Role.DISTRICT_MANAGER:
            district_ids = frozenset(profile.districts.values_list("pk", flat=True))
        elif profile.role == Role.CITY_MANAGER:
            pairs = list(CityCompany.objects.filter(managers=profile).values_list("pk", "districts__pk").order_by())
            city_ids = frozenset(city_id for city_id, _district_id in pairs)
            district_ids = frozenset(district_id for _city_id, district_id in pairs if district_id is not None)
        scope = Scope(role=profile.role, district_ids=district_ids, hall_id=profile.hall_id, city_ids=city_ids)
    user._hallq_scope = scope
    return scope


def hall_list(*, user, filters: dict | None = None) -> QuerySet[Hall]:
    qs = Hall.objects.select_related("district__city", "marketing_unit")
    return scope_for(user).filter(qs, hall_path="")


_VERSION_OF_HALL = (
    f"COALESCE((SELECT version FROM {HallVersion._meta.db_table} WHERE hall_id = {Hall._meta.db_table}.id), 0)"
)


def organisation_version() -> int:
    """The version of the cities and districts (:class:`halls.models.OrganisationVersion`): it changes with
    every write to either, so a page that lists them may be cached under it."""
    return OrganisationVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def hall_get(*, user, pk: int, with_version: bool = False) -> Hall:
    """The hall, or 404 when it does not exist or lies outside the user's scope. ``with_version``: with its
    ``page_version`` (:class:`HallVersion`, 0 before any write) read in the same query."""
    halls = hall_list(user=user)
    if with_version:
        # Raw: a Subquery expression cost more to compile (0.4 ms) than the whole read of the row.
        halls = halls.annotate(page_version=RawSQL(_VERSION_OF_HALL, ()))
    try:
        return halls.get(pk=pk)
    except Hall.DoesNotExist as exc:
        raise Http404("No hall in your scope matches") from exc


def district_list(*, user) -> QuerySet[DistrictCompany]:
    qs = DistrictCompany.objects.select_related("city")
    scope = scope_for(user)
    if scope.is_hq:
        return qs
    if scope.manages_districts:
        return qs.filter(pk__in=scope.district_ids)
    if scope.is_hall_manager:
        return qs.filter(halls__pk=scope.hall_id)
    return qs.none()


def staff_on_duty(*, hall_id: int, month: dt.date) -> QuerySet[Staff]:
    """The staff of the hall employed at some time during ``month``: the clerks a finding may name."""
    first = month_start(month)
    return Staff.objects.filter(hall_id=hall_id, active_from__lt=month_add(first, 1)).filter(
        Q(active_to__isnull=True) | Q(active_to__gte=first)
    )


def staff_get(*, user, pk: int) -> Staff:
    """The clerk, or 404 when he does not exist or his hall lies outside the user's scope."""
    qs = Staff.objects.select_related("hall__district__city", "hall__marketing_unit")
    try:
        return scope_for(user).filter(qs, hall_path="hall").get(pk=pk)
    except Staff.DoesNotExist as exc:
        raise Http404("No staff member in your scope matches") from exc


def policy_in_force(*, month: dt.date) -> GradingPolicy:
    """The grading policy governing ``month``: the latest non-draft one effective by then."""
    policy = (
        GradingPolicy.objects.exclude(state=PolicyState.DRAFT)
        .filter(effective_from__lte=month_start(month))
        .order_by("-effective_from")
        .first()
    )
    if policy is None:
        raise ApplicationError(_("%(month)s 没有生效的评定规则") % {"month": f"{month:%Y-%m}"})
    return policy


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
