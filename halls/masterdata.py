"""Writes of master data (services): the organisation, halls, staff and user accounts, as the imports
hand them over, created or updated by code in bulk, every change to a hall or a staff member recorded
(django-simple-history, with who made it).

Each function takes rows already validated (the import framework names every bad row before anything is
written) and returns ``(created, updated)``; rows equal to what is stored are left alone by the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from halls.models import CityCompany, DistrictCompany, Hall, MarketingUnit, Role, Staff, UserProfile

HALL_FIELDS = ["name", "kind", "district_id", "marketing_unit_id", "address", "opened_on", "closed_on"]
STAFF_FIELDS = ["hall_id", "name", "kind", "active_from", "active_to"]


@dataclass(frozen=True)
class ScopeRule:
    """What a role's scope is made of: nothing (HQ), several districts or cities, or one hall.

    ``attribute`` is the ``UserProfile`` field that holds it; ``model`` the table the codes name."""

    model: type[models.Model] | None
    attribute: str | None
    many: bool


# The one table of roles an account file may give, and the scope each takes. A new role is one line here.
ROLE_SCOPES: dict[str, ScopeRule] = {
    Role.HQ: ScopeRule(None, None, many=False),
    Role.CITY_MANAGER: ScopeRule(CityCompany, "cities", many=True),
    Role.DISTRICT_MANAGER: ScopeRule(DistrictCompany, "districts", many=True),
    Role.HALL_MANAGER: ScopeRule(Hall, "hall", many=False),
}


def hall_is_open(*, closed_on: dt.date | None, today: dt.date) -> bool:
    return closed_on is None or closed_on > today


@transaction.atomic
def organisation_upsert(*, cities: dict[str, str], units: list[dict]) -> tuple[int, int]:
    """``cities``: code → name; ``units``: dicts of level ("district" or "unit"), code, name, city_code.

    Counts rows of districts and units: created, and updated (their name or city, or their city's name)."""
    stored_cities = CityCompany.objects.in_bulk(list(cities), field_name="code")
    new_cities = [CityCompany(code=code, name=name) for code, name in cities.items() if code not in stored_cities]
    changed_cities = [city for code, city in stored_cities.items() if city.name != cities[code]]
    for city in changed_cities:
        city.name = cities[city.code]
    CityCompany.objects.bulk_create(new_cities)
    CityCompany.objects.bulk_update(changed_cities, ["name"])
    created = updated = 0
    city_ids = dict(CityCompany.objects.filter(code__in=list(cities)).values_list("code", "pk"))
    for level, model in (("district", DistrictCompany), ("unit", MarketingUnit)):
        rows = {row["code"]: row for row in units if row["level"] == level}
        stored = model.objects.in_bulk(list(rows), field_name="code")
        new = [
            model(code=code, name=row["name"], city_id=city_ids[row["city_code"]])
            for code, row in rows.items()
            if code not in stored
        ]
        changed = []
        for code, item in stored.items():
            city_id = city_ids[rows[code]["city_code"]]
            if (item.name, item.city_id) != (rows[code]["name"], city_id):
                item.name, item.city_id = rows[code]["name"], city_id
                changed.append(item)
        model.objects.bulk_create(new, batch_size=500)
        model.objects.bulk_update(changed, ["name", "city_id"], batch_size=500)
        created, updated = created + len(new), updated + len(stored)
    return created, updated


@transaction.atomic
def halls_upsert(*, rows: list[dict], user_id: int | None, reason: str, today: dt.date) -> tuple[int, int]:
    """Create or update halls by code; a closing month closes the hall (``is_active`` follows), a blank one
    reopens it. Every created or changed hall gets a history row naming ``user_id``."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    by_code = {row["code"]: row for row in rows}
    stored = Hall.objects.in_bulk(list(by_code), field_name="code")
    new, changed = [], []
    for code, row in by_code.items():
        hall = stored.get(code)
        if hall is None:
            new.append(
                Hall(
                    code=code,
                    **row_fields(row, HALL_FIELDS),
                    is_active=hall_is_open(closed_on=row["closed_on"], today=today),
                )
            )
            continue
        if any(getattr(hall, field) != row[field] for field in HALL_FIELDS):
            for field in HALL_FIELDS:
                setattr(hall, field, row[field])
            hall.is_active = hall_is_open(closed_on=row["closed_on"], today=today)
            changed.append(hall)
    bulk_create_with_history(new, Hall, batch_size=500, default_user=user, default_change_reason=reason)
    bulk_update_with_history(
        changed, Hall, [*HALL_FIELDS, "is_active"], batch_size=500, default_user=user, default_change_reason=reason
    )
    return len(new), len(changed)


@transaction.atomic
def staff_upsert(*, rows: list[dict], user_id: int | None, reason: str) -> tuple[int, int]:
    """Create or update staff by employee number (a move to another hall, a leaving month)."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    by_no = {row["employee_no"]: row for row in rows}
    stored = Staff.objects.in_bulk(list(by_no), field_name="employee_no")
    new, changed = [], []
    for employee_no, row in by_no.items():
        person = stored.get(employee_no)
        if person is None:
            new.append(Staff(employee_no=employee_no, **row_fields(row, STAFF_FIELDS)))
        elif any(getattr(person, field) != row[field] for field in STAFF_FIELDS):
            for field in STAFF_FIELDS:
                setattr(person, field, row[field])
            changed.append(person)
    bulk_create_with_history(new, Staff, batch_size=500, default_user=user, default_change_reason=reason)
    bulk_update_with_history(
        changed, Staff, STAFF_FIELDS, batch_size=500, default_user=user, default_change_reason=reason
    )
    return len(new), len(changed)


@transaction.atomic
def accounts_upsert(*, rows: list[dict]) -> tuple[int, int]:
    """Create or update user accounts and their role and scope by username.

    A new account has no usable password until one is set (``manage.py changepassword``). An account made
    inactive can no longer sign in (and a session it holds stops working), but it is never deleted: the
    inspections, appeals and decisions it made keep pointing at it."""
    user_model = get_user_model()
    by_name = {row["username"]: row for row in rows}
    stored = user_model.objects.in_bulk(list(by_name), field_name="username")
    new_users = []
    for username, row in by_name.items():
        if username not in stored:
            account = user_model(username=username, first_name=row["name"], email=row["email"], is_active=row["active"])
            account.set_unusable_password()
            new_users.append(account)
    user_model.objects.bulk_create(new_users, batch_size=500)
    changed_users = []
    for username, account in stored.items():
        row = by_name[username]
        if (account.first_name, account.email, account.is_active) != (row["name"], row["email"], row["active"]):
            account.first_name, account.email, account.is_active = row["name"], row["email"], row["active"]
            changed_users.append(account)
    user_model.objects.bulk_update(changed_users, ["first_name", "email", "is_active"], batch_size=500)
    users = user_model.objects.in_bulk(list(by_name), field_name="username")
    profiles = {p.user_id: p for p in UserProfile.objects.filter(user__in=users.values())}
    changed = {account.pk for account in changed_users}
    for username, row in by_name.items():
        account = users[username]
        profile = profiles.get(account.pk)
        rule = ROLE_SCOPES[row["role"]]
        before = _profile_state(profile) if profile is not None else None
        if profile is None:
            profile = UserProfile(user=account, role=row["role"])
        profile.role = row["role"]
        profile.hall_id = row["scope_ids"][0] if rule.attribute == "hall" else None
        profile.save()
        for name, other in ROLE_SCOPES.items():
            if other.many and other.attribute:
                getattr(profile, other.attribute).set(row["scope_ids"] if name == row["role"] else [])
        if before is not None and before != _profile_state(profile):
            changed.add(account.pk)
    return len(new_users), len(changed)


def _profile_state(profile: UserProfile) -> tuple:
    many = tuple(
        frozenset(getattr(profile, rule.attribute).values_list("pk", flat=True))
        for rule in ROLE_SCOPES.values()
        if rule.many and rule.attribute
    )
    return (profile.role, profile.hall_id, *many)


def row_fields(row: dict, fields: list[str]) -> dict:
    return {field: row[field] for field in fields}


@transaction.atomic
def hq_account_create(*, username: str, password: str) -> tuple[object, bool]:
    """The first HQ account, unless an account of that name exists (left as it is: its password is never
    reset by a deploy). The password must pass the password validators. Returns (user, created)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from halls.errors import ApplicationError

    user_model = get_user_model()
    existing = user_model.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    account = user_model(username=username)
    try:
        validate_password(password, user=account)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), errors=list(exc.messages)) from exc
    account.set_password(password)
    account.save()
    UserProfile.objects.create(user=account, role=Role.HQ)
    return account, True
