"""The synthetic province: a deterministic, province-sized data set to measure grading and the pages on.

``province_generate(halls=20_000, months=12, seed=1, start=...)`` writes Hebei's 11 cities and 167
districts (``bench.geography``), marketing units, one district-manager login per district, the halls of both
kinds and 5–8 staff each, then for every hall and month:

- about 3 overt or remote inspections (2, 3 or 4) and 1 mystery-shopper visit (vendor + unique visit id),
  each with a result for every scored level-3 indicator of the scheme in force that month, now and then a
  veto, deduction or bonus item; the stored totals follow the inspection totals rule (see ``_totals``);
- 30 customer-survey responses to a customer survey (created if missing), and the repair case of each
  dissatisfied customer; per-dimension answers only for the **last** month, which bounds their size
  (6 answers × 30 responses × halls, 3.6 million rows at 20,000 halls, instead of 43 million for a year);
- complaints (Poisson, about 1.3 a hall-month, 30 % substantiated), bonus and deduction events
  (``HallAdjustment``), one service-volume row, and service points for each staff member then employed.

Rows are drawn with numpy from one seed (``SeedSequence([seed, stream, month])``), so the same seed and
start give the same rows; they are loaded in bulk by ``bench.loader`` (COPY on PostgreSQL). Each month is
one transaction. Marketing-unit bonus pools, grading results and history rows are not generated.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from bench import geography as geo
from bench.loader import Column, Loader, local_midnight
from halls.errors import ApplicationError
from halls.models import CityCompany, DistrictCompany, Hall, MarketingUnit, Role, Staff, UserProfile
from halls.months import month_add
from inspections.models import Indicator, IndicatorKind, Inspection, InspectionItem
from inspections.selectors import scheme_in_force
from inspections.services.tree import default_tree_load
from scoring.services import default_policy_load
from surveys.models import (
    Complaint,
    HallAdjustment,
    RepairCase,
    ServiceVolume,
    StaffServicePoints,
    SurveyAnswer,
    SurveyDefinition,
    SurveyDimension,
    SurveyKind,
    SurveyResponse,
)
from surveys.services.satisfaction import satisfaction_months_add

# Rates per hall and month.
ONSITE_COUNTS, ONSITE_WEIGHTS = (2, 3, 4), (0.2, 0.6, 0.2)  # overt or remote inspections: 3 on average
OVERT_SHARE = 0.55
RESPONSES_PER_HALL = 30
COMPLAINT_RATE = 1.3
SUBSTANTIATED_SHARE = 0.3
BONUS_EVENT_RATE, DEDUCTION_EVENT_RATE = 0.12, 0.08
STAFF_PER_HALL = (5, 8)
NOT_APPLICABLE_SHARE = 0.08  # of the items that may be marked N/A
SPECIAL_ITEM_RATE = {IndicatorKind.VETO: 0.0015, IndicatorKind.DEDUCTION: 0.012, IndicatorKind.BONUS: 0.02}

CUSTOMER_SURVEY_CODE = "CSAT"
INSPECTION_KINDS = np.array(["overt", "remote", "special", "mystery"], dtype=object)
OVERT, REMOTE, MYSTERY = 0, 1, 3

Echo = Callable[[str], None]


@dataclass
class Org:
    """The generated organisation, as arrays indexed by hall (and by staff member)."""

    hall_ids: np.ndarray
    hall_codes: np.ndarray
    hall_city: np.ndarray
    hall_inspector: np.ndarray  # user id of the district's manager
    hall_skill: np.ndarray
    hall_size: np.ndarray
    staff_ids: np.ndarray
    staff_hall: np.ndarray
    staff_from: np.ndarray
    staff_to: np.ndarray  # NaT while employed


@dataclass
class ProvinceReport:
    halls: int
    months: list[dt.date]
    loader: Loader
    seconds: float


def _rng(seed: int, stream: int, month_index: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream, month_index]))


def _strings(values) -> np.ndarray:
    """An object array of str (numpy would make fixed-width unicode of a plain list)."""
    values = list(values)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _fraction_to_hundredths(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator × 100 in hundredths, rounded half up, in exact integer arithmetic."""
    safe = np.where(denominator > 0, denominator, 1)
    return (2 * numerator * 10_000 + safe) // (2 * safe)


def province_generate(
    *, halls: int, months: int, seed: int, start: dt.date, echo: Echo | None = None, loader: Loader | None = None
) -> ProvinceReport:
    """Generate the province into an empty database (no hall yet); see the module docstring."""
    if halls < 1 or months < 1:
        raise ApplicationError("营业厅数与月数须为正数")
    if start.day != 1:
        raise ApplicationError("起始月份须为某月第一天")
    if Hall.objects.exists():
        raise ApplicationError("数据库中已有营业厅：合成省份只生成到没有营业厅的数据库中")
    echo = echo or (lambda line: None)
    loader = loader or Loader()
    began = time.perf_counter()
    default_tree_load()
    default_policy_load()
    with transaction.atomic():
        survey = _customer_survey()
        org = _org_build(hall_count=halls, seed=seed, start=start, loader=loader)
        loader.sequences_reset()
    echo(f"organisation: {len(org.hall_ids):,} halls, {len(org.staff_ids):,} staff")
    month_list = [month_add(start, index) for index in range(months)]
    for index, month in enumerate(month_list):
        month_began = time.perf_counter()
        with transaction.atomic():
            _foreign_keys_checked_per_row()
            _month_generate(
                org=org,
                month=month,
                month_index=index,
                seed=seed,
                survey=survey,
                with_answers=index == months - 1,
                loader=loader,
            )
            loader.sequences_reset()
        echo(f"month {month:%Y-%m}: {time.perf_counter() - month_began:.1f} s")
    echo(f"statistics (ANALYZE): {loader.analyze():.1f} s")
    return ProvinceReport(
        halls=len(org.hall_ids), months=month_list, loader=loader, seconds=time.perf_counter() - began
    )


def _foreign_keys_checked_per_row() -> None:
    """Django's PostgreSQL foreign keys are DEFERRABLE INITIALLY DEFERRED: millions of queued checks at
    commit are slower than checking each row as COPY writes it. The checks are the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _customer_survey() -> SurveyDefinition:
    survey = SurveyDefinition.objects.filter(kind=SurveyKind.CUSTOMER).order_by("pk").first()
    if survey is None:
        survey = SurveyDefinition.objects.create(
            code=CUSTOMER_SURVEY_CODE, name="营业厅客户满意度调查", kind=SurveyKind.CUSTOMER, scale_max=10
        )
        SurveyDimension.objects.bulk_create(
            SurveyDimension(survey=survey, code=code, name_zh=zh, name_en=en, order=order)
            for order, (code, zh, en) in enumerate(geo.SURVEY_DIMENSIONS, start=1)
        )
    return survey


# --- The organisation -------------------------------------------------------------------------


def _halls_per_district(rng: np.random.Generator, names: list[str], total: int) -> np.ndarray:
    """Split ``total`` halls over districts: urban districts (区) hold more than county towns (市) and
    counties (县). Largest remainders, so the counts add up exactly."""
    base = np.array([1.8 if name.endswith("区") else 1.4 if name.endswith("市") else 1.0 for name in names])
    weights = base * rng.lognormal(0.0, 0.25, size=len(names))
    quota = weights / weights.sum() * total
    counts = np.floor(quota).astype(np.int64)
    remainder = total - counts.sum()
    counts[np.argsort(-(quota - counts), kind="stable")[:remainder]] += 1
    return counts


def _org_build(*, hall_count: int, seed: int, start: dt.date, loader: Loader) -> Org:
    rng = _rng(seed, 0)
    built = time.perf_counter()
    # Cities, districts and marketing units: a few hundred rows, found again by code when present.
    for code, name, _districts in geo.CITIES:
        CityCompany.objects.get_or_create(code=code, defaults={"name": f"{name}分公司"})
    cities = {city.code: city for city in CityCompany.objects.filter(code__in=[c[0] for c in geo.CITIES])}
    district_rows: list[tuple[str, str, int]] = []  # (code, name, city index)
    units_by_district: list[str] = []
    for city_index, (city_code, city_name, district_names) in enumerate(geo.CITIES):
        unit_count = max(3, -(-len(district_names) // 3))
        for unit in range(unit_count):
            MarketingUnit.objects.get_or_create(
                code=f"{city_code}-U{unit + 1}",
                defaults={"city": cities[city_code], "name": f"{city_name}第{geo.CHINESE_NUMERALS[unit]}营销单元"},
            )
        for index, name in enumerate(district_names, start=1):
            code = f"{city_code}-{index:02d}"
            DistrictCompany.objects.get_or_create(
                code=code, defaults={"city": cities[city_code], "name": f"{name}分公司"}
            )
            district_rows.append((code, name, city_index))
            units_by_district.append(f"{city_code}-U{(index - 1) * unit_count // len(district_names) + 1}")
    district_ids = dict(DistrictCompany.objects.values_list("code", "id"))
    unit_ids = dict(MarketingUnit.objects.values_list("code", "id"))

    inspectors = _district_managers(district_rows, district_ids)

    # Halls.
    names = [name for _code, name, _city in district_rows]
    per_district = _halls_per_district(rng, names, hall_count)
    hall_district = np.repeat(np.arange(len(district_rows)), per_district)
    serial = np.arange(hall_count) - np.repeat(np.cumsum(per_district) - per_district, per_district) + 1
    self_run = rng.random(hall_count) < 0.65
    street = rng.integers(0, len(geo.STREETS), size=hall_count)
    house_no = rng.integers(1, 400, size=hall_count)
    opened = np.datetime64("2008-01-01") + rng.integers(0, 16 * 365, size=hall_count).astype("timedelta64[D]")
    codes, hall_names, addresses = [], [], []
    seen_names: dict[str, int] = {}
    for district, number, is_self, street_index, house in zip(
        hall_district.tolist(), serial.tolist(), self_run.tolist(), street.tolist(), house_no.tolist(), strict=True
    ):
        code, short, _city = district_rows[district]
        place = f"{short}{geo.STREETS[street_index]}"
        repeat = seen_names[place] = seen_names.get(place, 0) + 1
        branch = "" if repeat == 1 else f"第{repeat}"
        codes.append(f"{code}-{number:04d}")
        hall_names.append(f"{place}{branch}{'营业厅' if is_self else '合作营业厅'}")
        addresses.append(f"{place}{house}号")
    hall_codes = _strings(codes)
    hall_ids = loader.id_block(Hall, hall_count)
    district_id_arr = np.array([district_ids[code] for code, _n, _c in district_rows], dtype=np.int64)
    unit_id_arr = np.array([unit_ids[code] for code in units_by_district], dtype=np.int64)
    kinds = np.array(["partner", "self_run"], dtype=object)
    loader.add_build_time(Hall, time.perf_counter() - built)
    loader.write(
        Hall,
        [
            Column("id", hall_ids, "int"),
            Column("code", hall_codes, "text"),
            Column("name", _strings(hall_names), "text"),
            Column("kind", kinds[self_run.astype(int)], "text"),
            Column("district_id", district_id_arr[hall_district], "int"),
            Column("marketing_unit_id", unit_id_arr[hall_district], "int"),
            Column("address", _strings(addresses), "text"),
            Column("opened_on", opened, "date"),
            Column("is_active", np.ones(hall_count, dtype=bool), "bool"),
        ],
    )

    # Staff.
    built = time.perf_counter()
    per_hall = rng.integers(STAFF_PER_HALL[0], STAFF_PER_HALL[1] + 1, size=hall_count)
    staff_hall = np.repeat(np.arange(hall_count), per_hall)
    staff_count = len(staff_hall)
    staff_serial = np.arange(staff_count) - np.repeat(np.cumsum(per_hall) - per_hall, per_hall) + 1
    surname = rng.integers(0, len(geo.SURNAMES), size=staff_count)
    given1 = rng.integers(0, len(geo.GIVEN), size=staff_count)
    given2 = np.where(rng.random(staff_count) < 0.6, rng.integers(0, len(geo.GIVEN), size=staff_count), -1)
    staff_names = [
        geo.SURNAMES[s] + geo.GIVEN[g] + (geo.GIVEN[h] if h >= 0 else "")
        for s, g, h in zip(surname.tolist(), given1.tolist(), given2.tolist(), strict=True)
    ]
    employee_no = [f"{hall_codes[h]}-{k:02d}" for h, k in zip(staff_hall.tolist(), staff_serial.tolist(), strict=True)]
    staff_kind = np.where(self_run[staff_hall], "employee", "partner").astype(object)
    staff_kind[rng.random(staff_count) < 0.2] = "outsourced"
    start_day = np.datetime64(start.isoformat(), "D")
    staff_from = start_day - rng.integers(30, 10 * 365, size=staff_count).astype("timedelta64[D]")
    leaves = rng.random(staff_count) < 0.06
    staff_to = np.full(staff_count, np.datetime64("NaT"), dtype="datetime64[D]")
    staff_to[leaves] = start_day + rng.integers(0, 365, size=int(leaves.sum())).astype("timedelta64[D]")
    staff_ids = loader.id_block(Staff, staff_count)
    loader.add_build_time(Staff, time.perf_counter() - built)
    loader.write(
        Staff,
        [
            Column("id", staff_ids, "int"),
            Column("hall_id", hall_ids[staff_hall], "int"),
            Column("employee_no", _strings(employee_no), "text"),
            Column("name", _strings(staff_names), "text"),
            Column("kind", staff_kind, "text"),
            Column("active_from", staff_from, "date"),
            Column("active_to", np.where(leaves, staff_to, start_day), "date", null=~leaves),
        ],
    )

    city_of_district = np.array([city for _code, _name, city in district_rows])
    skill = rng.normal(0.0, 1.0, size=hall_count) - 0.2 * ~self_run
    size = rng.lognormal(0.0, 0.45, size=hall_count) * np.where(
        np.array([name.endswith("区") for name in names])[hall_district], 1.3, 1.0
    )
    return Org(
        hall_ids=hall_ids,
        hall_codes=hall_codes,
        hall_city=city_of_district[hall_district],
        hall_inspector=inspectors[hall_district],
        hall_skill=skill,
        hall_size=size,
        staff_ids=staff_ids,
        staff_hall=staff_hall,
        staff_from=staff_from,
        staff_to=staff_to,
    )


def _district_managers(district_rows: list[tuple[str, str, int]], district_ids: dict[str, int]) -> np.ndarray:
    """One district-manager login per district (no usable password), the inspector of its halls."""
    user_model = get_user_model()
    usernames = [f"dm-{code.lower()}" for code, _name, _city in district_rows]
    existing = set(user_model.objects.filter(username__in=usernames).values_list("username", flat=True))
    unusable = make_password(None)
    user_model.objects.bulk_create(
        user_model(username=username, first_name=f"{name}服务主管", password=unusable)
        for username, (_code, name, _city) in zip(usernames, district_rows, strict=True)
        if username not in existing
    )
    user_ids = dict(user_model.objects.filter(username__in=usernames).values_list("username", "id"))
    with_profile = set(UserProfile.objects.filter(user_id__in=user_ids.values()).values_list("user_id", flat=True))
    new_profiles = UserProfile.objects.bulk_create(
        UserProfile(user_id=user_ids[username], role=Role.DISTRICT_MANAGER)
        for username in usernames
        if user_ids[username] not in with_profile
    )
    profile_ids = {
        profile.user_id: profile.pk for profile in UserProfile.objects.filter(pk__in=[p.pk for p in new_profiles])
    }
    through = UserProfile.districts.through
    through.objects.bulk_create(
        through(userprofile_id=profile_ids[user_ids[username]], districtcompany_id=district_ids[code])
        for username, (code, _name, _city) in zip(usernames, district_rows, strict=True)
        if user_ids[username] in profile_ids
    )
    return np.array([user_ids[username] for username in usernames], dtype=np.int64)


# --- One month of evidence ----------------------------------------------------------------------


def _moments(rng: np.random.Generator, month: dt.date, count: int, first_hour: int, hours: int) -> np.ndarray:
    """Random local times in ``month`` between ``first_hour`` and ``first_hour + hours``."""
    days = calendar.monthrange(month.year, month.month)[1]
    seconds = rng.integers(0, days, size=count) * 86_400 + first_hour * 3600 + rng.integers(0, hours * 3600, size=count)
    return local_midnight(month) + seconds.astype("timedelta64[s]")


def _month_generate(
    *,
    org: Org,
    month: dt.date,
    month_index: int,
    seed: int,
    survey: SurveyDefinition,
    with_answers: bool,
    loader: Loader,
) -> None:
    rng = _rng(seed, 1, month_index)
    skill = org.hall_skill + rng.normal(0.0, 0.35, size=len(org.hall_ids))  # this month's form
    _inspections(rng=rng, org=org, month=month, skill=skill, loader=loader)
    _surveys(rng=rng, org=org, month=month, skill=skill, survey=survey, with_answers=with_answers, loader=loader)
    _complaints_and_adjustments(rng=rng, org=org, month=month, skill=skill, loader=loader)
    _volumes_and_points(rng=rng, org=org, month=month, loader=loader)


def _inspections(*, rng: np.random.Generator, org: Org, month: dt.date, skill: np.ndarray, loader: Loader) -> None:
    built = time.perf_counter()
    hall_count = len(org.hall_ids)
    scheme = scheme_in_force(on=month)
    indicators = list(Indicator.objects.filter(scheme=scheme).order_by("order", "code"))
    leaves = [ind for ind in indicators if ind.kind == IndicatorKind.SCORED and ind.level == 3]
    specials = [ind for ind in indicators if ind.kind != IndicatorKind.SCORED]

    onsite = rng.choice(ONSITE_COUNTS, p=ONSITE_WEIGHTS, size=hall_count)
    hall = np.concatenate([np.repeat(np.arange(hall_count), onsite), np.arange(hall_count)])
    count = len(hall)
    kind = np.where(rng.random(count) < OVERT_SHARE, OVERT, REMOTE)
    kind[-hall_count:] = MYSTERY
    mystery = kind == MYSTERY
    inspected_at = _moments(rng, month, count, 9, 9)
    submitted_at = inspected_at + rng.integers(600, 3 * 3600, size=count).astype("timedelta64[s]")
    imported_at = local_midnight(month_add(month, 1)) + np.timedelta64(3 * 86_400 + 10 * 3600, "s")
    submitted_at[mystery] = imported_at
    inspection_ids = loader.id_block(Inspection, count)

    # Scored items: every level-3 leaf of every inspection.
    leaf_ids = np.array([leaf.pk for leaf in leaves], dtype=np.int64)
    leaf_max = np.array([int(leaf.points * 100) for leaf in leaves], dtype=np.int64)
    leaf_na = np.array([leaf.allow_na for leaf in leaves])
    leaf_bias = np.array([-0.6 if leaf.code.startswith("QU") else 0.0 for leaf in leaves])  # queues: the weak spot
    per = len(leaves)
    item_insp = np.repeat(np.arange(count), per)
    item_leaf = np.tile(np.arange(per), count)
    logit = (
        2.3
        + 0.9 * skill[hall][item_insp]
        + leaf_bias[item_leaf]
        + rng.normal(0.0, 0.5, size=count)[item_insp]
        - 0.4 * mystery[item_insp]
    )
    full = rng.random(len(item_insp)) < 1.0 / (1.0 + np.exp(-logit))
    partial = ~full & (rng.random(len(item_insp)) < 0.6)
    max_points = leaf_max[item_leaf]
    points = np.where(full, max_points, np.where(partial, max_points // 100 * 50, 0))
    not_applicable = leaf_na[item_leaf] & (rng.random(len(item_insp)) < NOT_APPLICABLE_SHARE)
    note = np.where(full | not_applicable, 0, np.where(partial, 1, 2))

    # Veto, deduction and bonus items, each at most once per inspection.
    special_rows = []
    for indicator in specials:
        hit = np.flatnonzero(rng.random(count) < SPECIAL_ITEM_RATE[indicator.kind])
        special_rows.append((indicator, hit))
    awarded, applicable, vetoed, bonus, deduction = _totals(
        count=count,
        item_insp=item_insp,
        points=points,
        max_points=max_points,
        not_applicable=not_applicable,
        specials=special_rows,
    )
    score = _fraction_to_hundredths(awarded, applicable)
    empty = np.full(count, "", dtype=object)
    vendor_index = org.hall_city[hall] % len(geo.MYSTERY_VENDORS)
    vendors = _strings(name for _code, name in geo.MYSTERY_VENDORS)
    external_ids = empty.copy()
    mystery_halls = hall[mystery]
    external_ids[mystery] = [
        f"{geo.MYSTERY_VENDORS[v][0]}-{month:%Y%m}-{org.hall_codes[h]}"
        for v, h in zip(vendor_index[mystery].tolist(), mystery_halls.tolist(), strict=True)
    ]
    vendor = np.where(mystery, vendors[vendor_index], "").astype(object)
    scenario = np.where(
        mystery, _strings(geo.MYSTERY_SCENARIOS)[rng.integers(0, len(geo.MYSTERY_SCENARIOS), size=count)], ""
    ).astype(object)
    shopper = np.where(mystery, _strings(f"MS{n:03d}" for n in range(1000))[rng.integers(0, 1000, size=count)], "")
    month_day = np.datetime64(month.isoformat(), "D")
    loader.add_build_time(Inspection, time.perf_counter() - built)
    loader.write(
        Inspection,
        [
            Column("id", inspection_ids, "int"),
            Column("hall_id", org.hall_ids[hall], "int"),
            Column("scheme_id", np.full(count, scheme.pk), "int"),
            Column("kind", INSPECTION_KINDS[kind], "text"),
            Column("inspected_at", inspected_at, "datetime"),
            Column("month", np.full(count, month_day), "date"),
            Column("state", np.full(count, "submitted", dtype=object), "text"),
            Column("inspector_id", org.hall_inspector[hall], "int", null=mystery),
            Column("note", empty, "text"),
            Column("vendor", vendor, "text"),
            Column("external_id", external_ids, "text"),
            Column("scenario", scenario, "text"),
            Column("shopper_code", shopper.astype(object), "text"),
            Column("points_awarded", awarded, "dec"),
            Column("points_applicable", applicable, "dec"),
            Column("score", score, "dec", null=applicable == 0),
            Column("vetoed", vetoed, "bool"),
            Column("bonus_points", bonus, "dec"),
            Column("deduction_points", deduction, "dec"),
            Column("created_at", inspected_at, "datetime"),
            Column("submitted_at", submitted_at, "datetime"),
            Column("lock_version", np.zeros(count, dtype=np.int64), "int"),
        ],
    )

    built = time.perf_counter()
    special_insp = np.concatenate([hit for _ind, hit in special_rows] or [np.empty(0, dtype=np.int64)])
    special_ind = np.concatenate([np.full(len(hit), ind.pk) for ind, hit in special_rows] or [np.empty(0)])
    special_max = np.concatenate(
        [np.full(len(hit), int((ind.points or 0) * 100)) for ind, hit in special_rows] or [np.empty(0)]
    ).astype(np.int64)
    special_veto = np.concatenate(
        [np.full(len(hit), ind.kind == IndicatorKind.VETO) for ind, hit in special_rows] or [np.empty(0, dtype=bool)]
    )
    special_note = np.concatenate(
        [np.full(len(hit), geo.SPECIAL_NOTES[ind.kind], dtype=object) for ind, hit in special_rows]
        or [np.empty(0, dtype=object)]
    )
    total_items = len(item_insp) + len(special_insp)
    item_ids = loader.id_block(InspectionItem, total_items)
    loader.add_build_time(InspectionItem, time.perf_counter() - built)
    loader.write(
        InspectionItem,
        [
            Column("id", item_ids, "int"),
            Column("inspection_id", inspection_ids[np.concatenate([item_insp, special_insp])], "int"),
            Column("indicator_id", np.concatenate([leaf_ids[item_leaf], special_ind]).astype(np.int64), "int"),
            Column(
                "points",
                np.concatenate([points, special_max]),
                "dec",
                null=np.concatenate([not_applicable, special_veto]),
            ),
            Column("max_points", np.concatenate([max_points, special_max]), "dec"),
            Column("not_applicable", np.concatenate([not_applicable, np.zeros(len(special_insp), dtype=bool)]), "bool"),
            Column("note", np.concatenate([_strings(geo.ITEM_NOTES)[note], special_note]), "text"),
        ],
    )


def _totals(*, count, item_insp, points, max_points, not_applicable, specials):
    """The inspection totals rule, per inspection (hundredths of a point):
    applicable = Σ max_points of scored items not N/A; awarded = Σ their points; vetoed = any veto item;
    bonus = Σ bonus items' points; deduction = Σ deduction items' points. (score: ``_fraction_to_hundredths``.)"""
    scored = ~not_applicable
    applicable = np.bincount(item_insp[scored], weights=max_points[scored], minlength=count)
    awarded = np.bincount(item_insp[scored], weights=points[scored], minlength=count)
    vetoed = np.zeros(count, dtype=bool)
    bonus = np.zeros(count, dtype=np.int64)
    deduction = np.zeros(count, dtype=np.int64)
    for indicator, hit in specials:
        value = int((indicator.points or 0) * 100)
        if indicator.kind == IndicatorKind.VETO:
            vetoed[hit] = True
        elif indicator.kind == IndicatorKind.BONUS:
            bonus[hit] += value
        else:
            deduction[hit] += value
    return np.rint(awarded).astype(np.int64), np.rint(applicable).astype(np.int64), vetoed, bonus, deduction


def _surveys(
    *,
    rng: np.random.Generator,
    org: Org,
    month: dt.date,
    skill: np.ndarray,
    survey: SurveyDefinition,
    with_answers: bool,
    loader: Loader,
) -> None:
    built = time.perf_counter()
    hall_count = len(org.hall_ids)
    per = RESPONSES_PER_HALL
    hall = np.repeat(np.arange(hall_count), per)
    serial = np.tile(np.arange(1, per + 1), hall_count)
    count = len(hall)
    overall = np.clip(np.rint(rng.normal(8.7 + 0.7 * skill[hall], 1.4)), 0, 10).astype(np.int64)
    external = [
        f"CS{month:%Y%m}-{org.hall_codes[h]}-{k:02d}" for h, k in zip(hall.tolist(), serial.tolist(), strict=True)
    ]
    prefixes = _strings(geo.PHONE_PREFIXES)[rng.integers(0, len(geo.PHONE_PREFIXES), size=count)]
    tails = rng.integers(0, 10_000, size=count)
    phones = [f"{p}****{t:04d}" for p, t in zip(prefixes.tolist(), tails.tolist(), strict=True)]
    comment = np.full(count, "", dtype=object)
    unhappy = (overall <= 6) & (rng.random(count) < 0.7)
    comment[unhappy] = _strings(geo.NEGATIVE_COMMENTS)[rng.integers(0, len(geo.NEGATIVE_COMMENTS), int(unhappy.sum()))]
    praising = (overall == 10) & (rng.random(count) < 0.1)
    comment[praising] = _strings(geo.PRAISE_COMMENTS)[rng.integers(0, len(geo.PRAISE_COMMENTS), int(praising.sum()))]
    responded_at = _moments(rng, month, count, 9, 11)
    response_ids = loader.id_block(SurveyResponse, count)
    loader.add_build_time(SurveyResponse, time.perf_counter() - built)
    loader.write(
        SurveyResponse,
        [
            Column("id", response_ids, "int"),
            Column("survey_id", np.full(count, survey.pk), "int"),
            Column("hall_id", org.hall_ids[hall], "int"),
            Column("external_id", _strings(external), "text"),
            Column("responded_at", responded_at, "datetime"),
            Column("month", np.full(count, np.datetime64(month.isoformat(), "D")), "date"),
            Column("respondent_phone", _strings(phones), "text"),
            Column("overall", overall * 10, "dec", places=1),
            Column("comment", comment, "text"),
        ],
    )
    # The month's responses are all new (the province is generated into a database without halls).
    satisfaction_months_add(responses=SurveyResponse.objects.filter(month=month, survey=survey))

    # Dissatisfied customers go on the repair list.
    built = time.perf_counter()
    threshold_tenths = int(survey.repair_threshold * 10)
    repair = np.flatnonzero(overall * 10 <= threshold_tenths)
    repair_ids = loader.id_block(RepairCase, len(repair))
    state = _strings(geo.REPAIR_STATES)[rng.choice(len(geo.REPAIR_STATES), p=(0.3, 0.2, 0.45, 0.05), size=len(repair))]
    loader.add_build_time(RepairCase, time.perf_counter() - built)
    loader.write(
        RepairCase,
        [
            Column("id", repair_ids, "int"),
            Column("response_id", response_ids[repair], "int"),
            Column("hall_id", org.hall_ids[hall[repair]], "int"),
            Column("state", state, "text"),
            Column("follow_up", np.full(len(repair), "", dtype=object), "text"),
            Column("updated_at", responded_at[repair] + np.timedelta64(2 * 86_400, "s"), "datetime"),
        ],
    )

    dimensions = list(SurveyDimension.objects.filter(survey=survey).order_by("order").values_list("pk", flat=True))
    if not with_answers or not dimensions:
        return
    built = time.perf_counter()
    dims = len(dimensions)
    answer_response = np.repeat(np.arange(count), dims)
    answer_dim = np.tile(np.arange(dims), count)
    answer_score = np.clip(overall[answer_response] + np.rint(rng.normal(0, 0.9, size=len(answer_response))), 0, 10)
    answer_ids = loader.id_block(SurveyAnswer, len(answer_response))
    loader.add_build_time(SurveyAnswer, time.perf_counter() - built)
    loader.write(
        SurveyAnswer,
        [
            Column("id", answer_ids, "int"),
            Column("response_id", response_ids[answer_response], "int"),
            Column("dimension_id", np.array(dimensions, dtype=np.int64)[answer_dim], "int"),
            Column("score", answer_score.astype(np.int64) * 10, "dec", places=1),
        ],
    )


def _complaints_and_adjustments(
    *, rng: np.random.Generator, org: Org, month: dt.date, skill: np.ndarray, loader: Loader
) -> None:
    built = time.perf_counter()
    hall_count = len(org.hall_ids)
    month_day = np.datetime64(month.isoformat(), "D")
    per_hall = rng.poisson(COMPLAINT_RATE * np.exp(-0.35 * skill))
    hall = np.repeat(np.arange(hall_count), per_hall)
    count = len(hall)
    serial = np.arange(count) - np.repeat(np.cumsum(per_hall) - per_hall, per_hall) + 1
    external = [
        f"TS{month:%Y%m}-{org.hall_codes[h]}-{k:02d}" for h, k in zip(hall.tolist(), serial.tolist(), strict=True)
    ]
    complaint_ids = loader.id_block(Complaint, count)
    loader.add_build_time(Complaint, time.perf_counter() - built)
    loader.write(
        Complaint,
        [
            Column("id", complaint_ids, "int"),
            Column("external_id", _strings(external), "text"),
            Column("hall_id", org.hall_ids[hall], "int"),
            Column("received_at", _moments(rng, month, count, 8, 12), "datetime"),
            Column("month", np.full(count, month_day), "date"),
            Column(
                "category",
                _strings(geo.COMPLAINT_CATEGORIES)[rng.integers(0, len(geo.COMPLAINT_CATEGORIES), count)],
                "text",
            ),
            Column(
                "channel", _strings(geo.COMPLAINT_CHANNELS)[rng.integers(0, len(geo.COMPLAINT_CHANNELS), count)], "text"
            ),
            Column("substantiated", rng.random(count) < SUBSTANTIATED_SHARE, "bool"),
            # No customer number: the care list is for complaints imported with one.
            Column("customer_phone", _strings([""] * count), "text"),
        ],
    )

    built = time.perf_counter()
    bonus_count = rng.poisson(BONUS_EVENT_RATE, size=hall_count)
    deduction_count = rng.poisson(DEDUCTION_EVENT_RATE, size=hall_count)
    per_hall = bonus_count + deduction_count
    hall = np.repeat(np.arange(hall_count), per_hall)
    count = len(hall)
    serial = np.arange(count) - np.repeat(np.cumsum(per_hall) - per_hall, per_hall)
    is_bonus = serial < bonus_count[hall]
    event = rng.integers(0, 2, size=count)
    reasons = np.where(
        is_bonus,
        _strings(r for r, _p in geo.BONUS_EVENTS)[event],
        _strings(r for r, _p in geo.DEDUCTION_EVENTS)[event],
    ).astype(object)
    points = np.where(
        is_bonus,
        np.array([p for _r, p in geo.BONUS_EVENTS])[event],
        np.array([p for _r, p in geo.DEDUCTION_EVENTS])[event],
    )
    days = calendar.monthrange(month.year, month.month)[1]
    external = [
        f"ADJ{month:%Y%m}-{org.hall_codes[h]}-{k + 1:02d}" for h, k in zip(hall.tolist(), serial.tolist(), strict=True)
    ]
    adjustment_ids = loader.id_block(HallAdjustment, count)
    loader.add_build_time(HallAdjustment, time.perf_counter() - built)
    loader.write(
        HallAdjustment,
        [
            Column("id", adjustment_ids, "int"),
            Column("external_id", _strings(external), "text"),
            Column("hall_id", org.hall_ids[hall], "int"),
            Column("date", month_day + rng.integers(0, days, size=count).astype("timedelta64[D]"), "date"),
            Column("month", np.full(count, month_day), "date"),
            Column("kind", np.where(is_bonus, "bonus", "deduction").astype(object), "text"),
            Column("points", points.astype(np.int64), "dec"),
            Column("reason", reasons, "text"),
        ],
    )


def _volumes_and_points(*, rng: np.random.Generator, org: Org, month: dt.date, loader: Loader) -> None:
    built = time.perf_counter()
    hall_count = len(org.hall_ids)
    month_day = np.datetime64(month.isoformat(), "D")
    volume_ids = loader.id_block(ServiceVolume, hall_count)
    loader.add_build_time(ServiceVolume, time.perf_counter() - built)
    loader.write(
        ServiceVolume,
        [
            Column("id", volume_ids, "int"),
            Column("hall_id", org.hall_ids, "int"),
            Column("month", np.full(hall_count, month_day), "date"),
            Column("front_desk", rng.poisson(1800 * org.hall_size), "int"),
            Column("assisted_self_service", rng.poisson(600 * org.hall_size), "int"),
            Column("self_service_terminal", rng.poisson(900 * org.hall_size), "int"),
        ],
    )

    built = time.perf_counter()
    month_end = np.datetime64(month_add(month, 1).isoformat(), "D") - np.timedelta64(1, "D")
    employed = (org.staff_from <= month_end) & (np.isnat(org.staff_to) | (org.staff_to >= month_day))
    staff = np.flatnonzero(employed)
    points = np.clip(np.rint(rng.normal(12_000, 3_000, size=len(staff))), 0, None).astype(np.int64)
    point_ids = loader.id_block(StaffServicePoints, len(staff))
    loader.add_build_time(StaffServicePoints, time.perf_counter() - built)
    loader.write(
        StaffServicePoints,
        [
            Column("id", point_ids, "int"),
            Column("staff_id", org.staff_ids[staff], "int"),
            Column("month", np.full(len(staff), month_day), "date"),
            Column("points", points, "dec"),
        ],
    )


# --- A checksum of what was generated -----------------------------------------------------------


def province_checksum() -> str:
    """SHA-256 over the generated rows by natural key (codes, visit ids, times), never by database id, so
    two generations with the same seed agree whatever ids they were given."""
    digest = hashlib.sha256()

    def feed(rows) -> None:
        for row in sorted(rows):
            digest.update(repr(row).encode())
        digest.update(b"|")

    feed(
        Hall.objects.values_list(
            "code", "name", "kind", "district__code", "marketing_unit__code", "address", "opened_on"
        )
    )
    feed(Staff.objects.values_list("employee_no", "name", "kind", "hall__code", "active_from", "active_to"))
    feed(
        Inspection.objects.values_list(
            "hall__code",
            "kind",
            "inspected_at",
            "month",
            "vendor",
            "external_id",
            "scenario",
            "inspector__username",
            "points_awarded",
            "points_applicable",
            "score",
            "vetoed",
            "bonus_points",
            "deduction_points",
        )
    )
    feed(
        InspectionItem.objects.values_list(
            "inspection__hall__code",
            "inspection__kind",
            "inspection__inspected_at",
            "indicator__code",
            "points",
            "max_points",
            "not_applicable",
            "note",
        )
    )
    feed(
        SurveyResponse.objects.values_list(
            "external_id", "hall__code", "responded_at", "respondent_phone", "overall", "comment"
        )
    )
    feed(SurveyAnswer.objects.values_list("response__external_id", "dimension__code", "score"))
    feed(RepairCase.objects.values_list("response__external_id", "state"))
    feed(
        Complaint.objects.values_list(
            "external_id", "hall__code", "received_at", "category", "channel", "substantiated"
        )
    )
    feed(HallAdjustment.objects.values_list("external_id", "hall__code", "date", "kind", "points", "reason"))
    feed(
        ServiceVolume.objects.values_list(
            "hall__code", "month", "front_desk", "assisted_self_service", "self_service_terminal"
        )
    )
    feed(StaffServicePoints.objects.values_list("staff__employee_no", "month", "points"))
    return digest.hexdigest()
