"""The bulk body of :func:`incentives.services.split_bonus`: a month's pools to halls and staff (20,000 halls
and 130,000 staff shares in a province) with one query per input and one COPY per table.

Each input is read by one query into a frame (:func:`halls.frames.queryset_frame`): the pools, the halls open
in the month, the grading's results, the service volumes, the staff points with employment. Units → halls →
staff are computed column by column in whole numbers (:func:`incentives.allocation.largest_remainder_cents`,
:func:`incentives.allocation.half_up_ratio`): cents for money, weights and points scaled to integers by their
fields' decimal places, so every figure is exactly what one Decimal per hall and per staff member gave
(tests/incentives/test_split_equivalence.py compares the two row for row). The rows are written with COPY on
PostgreSQL (:func:`halls.bulk.columns_insert`); the unit and hall rows' ids are read back by (split, unit)
and (split, hall) for the rows below them.

Order matters where the rules say it does: halls in a unit by code and staff in a hall by employee number
as the database sorts them (the rows' order, hence their ids, and the notes' order); ties of the rounding by
code or employee number as Python sorts strings (:func:`incentives.allocation.split_by_weight`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db.models import BigIntegerField, BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Cast, Round

from halls.bulk import columns_insert
from halls.frames import queryset_frame
from halls.models import Hall, MarketingUnit
from incentives.allocation import half_up_ratio, largest_remainder_cents
from incentives.models import (
    BonusPool,
    BonusSplit,
    CoefficientBasis,
    CoefficientTable,
    HallBonus,
    StaffBonus,
    UnitBonus,
)
from scoring.models import Grade, HallMonthResult, HallStatus
from surveys.models import ServiceVolume, StaffServicePoints

MONEY_PLACES = 2


def _places(model, field: str) -> int:
    return model._meta.get_field(field).decimal_places


SHARE_PLACES = _places(HallBonus, "share")
COEFFICIENT_PLACES = _places(CoefficientTable, "grade_a")
POINTS_PLACES = _places(StaffServicePoints, "points")


def _scaled(path: str, places: int):
    """A decimal column as a whole number of its smallest unit (cents, hundredths of a point), computed by the
    database: exact on PostgreSQL, and on SQLite (floating point) the nearest integer, which is the value."""
    return Cast(Round(F(path) * 10**places), BigIntegerField())


def _decimal_text(values, places: int) -> list[str]:
    """Non-negative whole numbers of 10^-places as decimal text ("1234.50")."""
    scale = 10**places
    return [f"{value // scale}.{value % scale:0{places}d}" for value in np.asarray(values).tolist()]


def _decimal(value: int, places: int = MONEY_PLACES) -> Decimal:
    return Decimal(int(value)).scaleb(-places)


def _tie_ranks(keys: pd.Series) -> np.ndarray:
    """Each key's place when Python sorts them (strings by code point, as ``sorted`` orders them)."""
    texts = np.array(keys.tolist(), dtype=str)
    ranks = np.empty(len(texts), dtype=np.int64)
    ranks[np.argsort(texts, kind="stable")] = np.arange(len(texts))
    return ranks


def _month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _coefficients(table: CoefficientTable) -> dict[str, int]:
    """The table's coefficients in hundredths (its fields' decimal places)."""
    names = ["grade_a", "grade_b", "grade_c", "grade_d", "supervised", "vetoed", "not_graded"]
    scaled = {name: Decimal(getattr(table, name)).scaleb(COEFFICIENT_PLACES) for name in names}
    if any(value != value.to_integral_value() for value in scaled.values()):
        raise ValueError("a coefficient has more decimal places than its field")
    return {name: int(value) for name, value in scaled.items()}


def split_rows_write(*, split: BonusSplit, table: CoefficientTable) -> None:
    """Compute ``split``'s unit, hall and staff rows, write them, and store its totals and notes."""
    month, month_end = split.month, _month_end(split.month)
    pools = queryset_frame(
        BonusPool.objects.filter(month=month)
        .order_by("marketing_unit__code")
        .values("marketing_unit_id", "marketing_unit__code", cents=_scaled("amount", MONEY_PLACES))
    )
    pools.columns = ["unit_id", "unit_code", "pool"]
    pools = pools.astype({"unit_id": np.int64, "pool": np.int64})
    unit_ids = pools["unit_id"].tolist()
    # Halls graded this month in a unit that has no pool: nothing to split for them, but HQ should know.
    notes: list[dict] = [
        {"kind": "unit_no_pool", "unit": code}
        for code in MarketingUnit.objects.filter(halls__results__run=split.grading_run)
        .exclude(pk__in=unit_ids)
        .distinct()
        .order_by("code")
        .values_list("code", flat=True)
    ]
    halls = _unit_halls(split=split, pools=pools, table=table, month_end=month_end)
    units = _units_split(pools=pools, halls=halls, notes=notes)
    staff = _hall_staff(split=split, halls=halls, month_end=month_end, notes=notes)
    _rows_insert(split=split, units=units, halls=halls, staff=staff)

    pool_total, hall_total = int(units["pool"].sum()), int(units["allocated"].sum())
    staff_total = int(halls["staff_allocated"].sum())
    split.pool_total = _decimal(pool_total)
    split.hall_total = _decimal(hall_total)
    split.unit_unallocated = _decimal(pool_total - hall_total)
    split.staff_total = _decimal(staff_total)
    split.hall_unallocated = _decimal(hall_total - staff_total)
    split.notes = notes
    split.save(
        update_fields=["pool_total", "hall_total", "unit_unallocated", "staff_total", "hall_unallocated", "notes"]
    )


def _unit_halls(*, split: BonusSplit, pools: pd.DataFrame, table: CoefficientTable, month_end) -> pd.DataFrame:
    """The halls of the units with a pool, open in the month as grading sees it (a hall closed in the month or
    before has no share), in the rows' order (units by code, halls by code), with coefficient and weight."""
    halls = queryset_frame(
        Hall.objects.filter(marketing_unit_id__in=pools["unit_id"].tolist(), opened_on__lte=month_end)
        .exclude(closed_on__lte=month_end)
        .order_by("code")
        .values("id", "marketing_unit_id", "code")
    )
    halls.columns = ["hall_id", "unit_id", "code"]
    halls = halls.astype({"hall_id": np.int64, "unit_id": np.int64})
    results = queryset_frame(
        HallMonthResult.objects.filter(run=split.grading_run).values("hall_id", "graded", "grade", "status", "vetoed")
    )
    results.columns = ["hall_id", "graded", "grade", "status", "vetoed"]
    results = results.astype({"hall_id": np.int64})
    results["has_result"] = True
    volumes = queryset_frame(
        ServiceVolume.objects.filter(month=split.month, hall__marketing_unit_id__in=pools["unit_id"].tolist()).values(
            "hall_id", total=F("front_desk") + F("assisted_self_service") + F("self_service_terminal")
        )
    )
    volumes.columns = ["hall_id", "volume"]
    volumes = volumes.astype({"hall_id": np.int64, "volume": np.int64})
    unit_place = pd.Series(np.arange(len(pools)), index=pools["unit_id"].to_numpy())
    halls["unit_place"] = unit_place.reindex(halls["unit_id"].to_numpy()).to_numpy()
    halls = halls.merge(results, on="hall_id", how="left").merge(volumes, on="hall_id", how="left")
    # Units in pool order, each unit's halls in the order the database sorted their codes.
    halls = halls.iloc[np.argsort(halls["unit_place"].to_numpy(), kind="stable")].reset_index(drop=True)

    has_result = halls["has_result"].fillna(False).astype(bool).to_numpy()
    graded = has_result & halls["graded"].fillna(False).astype(bool).to_numpy()
    vetoed = has_result & halls["vetoed"].fillna(False).astype(bool).to_numpy()
    grade = np.where(has_result, halls["grade"].fillna("").astype(object).to_numpy(), "")
    status = np.where(has_result, halls["status"].fillna("").astype(object).to_numpy(), "")
    supervised = status == HallStatus.SUPERVISED.value
    not_graded = ~graded | (grade == "")
    coefficients = _coefficients(table)
    by_grade = {Grade.A.value: "grade_a", Grade.B.value: "grade_b", Grade.C.value: "grade_c", Grade.D.value: "grade_d"}
    # First match wins, as the rules list them: vetoed, supervised, not graded, the grade's coefficient.
    basis = np.select(
        [vetoed, supervised, not_graded],
        [CoefficientBasis.VETOED.value, CoefficientBasis.SUPERVISED.value, CoefficientBasis.NOT_GRADED.value],
        CoefficientBasis.GRADE.value,
    )
    on_grade = basis == CoefficientBasis.GRADE.value
    grade_coefficient = pd.Series(grade).map({grade: coefficients[name] for grade, name in by_grade.items()})
    if grade_coefficient[on_grade].isna().any():
        raise ValueError("a graded hall has a grade without a coefficient")
    coefficient = np.select(
        [vetoed, supervised, not_graded],
        [coefficients["vetoed"], coefficients["supervised"], coefficients["not_graded"]],
        grade_coefficient.fillna(0).to_numpy(dtype=np.int64),
    ).astype(np.int64)
    halls["graded"], halls["vetoed"], halls["grade"], halls["status"] = graded, vetoed, grade, status
    halls["basis"] = basis
    halls["volume"] = halls["volume"].fillna(0).astype(np.int64)
    halls["coefficient"] = coefficient
    halls["weight"] = halls["volume"].to_numpy() * coefficient  # in hundredths, as the coefficient
    halls["unit_place"] = halls["unit_place"].astype(np.int64)
    return halls


def _units_split(*, pools: pd.DataFrame, halls: pd.DataFrame, notes: list[dict]) -> pd.DataFrame:
    """Each unit's pool to its halls by weight (fills the halls' amount and share); the unit rows."""
    unit_place = halls["unit_place"].to_numpy()
    amounts, splittable = largest_remainder_cents(
        pools["pool"].to_numpy(), unit_place, halls["weight"].to_numpy(), _tie_ranks(halls["code"])
    )
    units = pools.copy()
    weight_total = np.zeros(len(pools), dtype=np.int64)
    np.add.at(weight_total, unit_place, halls["weight"].to_numpy())
    allocated = np.zeros(len(pools), dtype=np.int64)
    np.add.at(allocated, unit_place, amounts)
    units["weight_total"], units["allocated"] = weight_total, allocated
    units["unallocated"] = units["pool"] - units["allocated"]
    for code, pool in units.loc[~splittable & (units["pool"] > 0), ["unit_code", "pool"]].itertuples(index=False):
        notes.append({"kind": "unit_zero_weight", "unit": code, "amount": str(_decimal(pool))})
    halls["amount"] = amounts
    halls["share"] = half_up_ratio(halls["weight"].to_numpy(), weight_total[unit_place], SHARE_PLACES)
    return units


def _hall_staff(*, split: BonusSplit, halls: pd.DataFrame, month_end, notes: list[dict]) -> pd.DataFrame:
    """Each hall's amount to its staff by service points (fills the halls' staff figures); the staff rows.

    Staff count when employed on at least one day of the month; points recorded for anyone else are ignored
    and reported. A hall whose staff have no points keeps its amount, and the split says so."""
    month = split.month
    # Every record of the month, kept below for the staff of the split's halls only (one join fewer).
    recorded = queryset_frame(
        StaffServicePoints.objects.filter(month=month)
        .order_by("staff__employee_no")
        .values(
            "staff_id",
            "staff__employee_no",
            "staff__hall_id",
            hundredths=_scaled("points", POINTS_PLACES),
            not_employed=ExpressionWrapper(
                Q(staff__active_from__gt=month_end) | Q(staff__active_to__isnull=False, staff__active_to__lt=month),
                output_field=BooleanField(),
            ),
            left=ExpressionWrapper(
                Q(staff__active_to__isnull=False, staff__active_to__lte=month_end), output_field=BooleanField()
            ),
        )
    )
    recorded.columns = ["staff_id", "employee_no", "hall_id", "points", "not_employed", "left_in_month"]
    recorded = recorded.astype({"staff_id": np.int64, "hall_id": np.int64, "points": np.int64})
    hall_place = pd.Series(np.arange(len(halls)), index=halls["hall_id"].to_numpy())
    recorded["hall_place"] = hall_place.reindex(recorded["hall_id"].to_numpy()).to_numpy()
    recorded = recorded[recorded["hall_place"].notna()]  # staff of halls in the split only
    not_employed = recorded["not_employed"].astype(bool).to_numpy()
    for employee_no, points in recorded.loc[not_employed, ["employee_no", "points"]].itertuples(index=False):
        notes.append({"kind": "staff_not_employed", "staff": employee_no, "points": str(_decimal(points))})
    staff = recorded[~not_employed].copy()
    staff["hall_place"] = staff["hall_place"].astype(np.int64)
    staff["left_in_month"] = staff["left_in_month"].astype(bool)
    # Halls in the rows' order, each hall's staff in the order the database sorted their employee numbers.
    staff = staff.iloc[np.argsort(staff["hall_place"].to_numpy(), kind="stable")].reset_index(drop=True)

    place = staff["hall_place"].to_numpy()
    amounts, splittable = largest_remainder_cents(
        halls["amount"].to_numpy(), place, staff["points"].to_numpy(), _tie_ranks(staff["employee_no"])
    )
    points_total = np.zeros(len(halls), dtype=np.int64)
    np.add.at(points_total, place, staff["points"].to_numpy())
    halls["points_total"] = points_total
    # A hall that cannot be split has no staff rows at all, even for staff recorded with zero points.
    staff = staff[splittable[place]].copy()
    staff["amount"] = amounts[splittable[place]]
    place = staff["hall_place"].to_numpy()
    staff["share"] = half_up_ratio(staff["points"].to_numpy(), points_total[place], SHARE_PLACES)
    staff_allocated = np.zeros(len(halls), dtype=np.int64)
    np.add.at(staff_allocated, place, staff["amount"].to_numpy())
    halls["staff_allocated"] = staff_allocated
    halls["staff_unallocated"] = halls["amount"] - staff_allocated
    unsplit = ~splittable & (halls["amount"].to_numpy() > 0)
    for code, amount in halls.loc[unsplit, ["code", "amount"]].itertuples(index=False):
        notes.append({"kind": "hall_no_points", "hall": code, "amount": str(_decimal(amount))})
    return staff


def _ids(model, split: BonusSplit, key: str) -> pd.Series:
    """The ids of ``split``'s rows of ``model`` just written, by ``key`` (unique within a split)."""
    return pd.Series(dict(model.objects.filter(split=split).values_list(key, "id")), dtype=np.int64)


def _rows_insert(*, split: BonusSplit, units: pd.DataFrame, halls: pd.DataFrame, staff: pd.DataFrame) -> None:
    columns_insert(
        UnitBonus,
        {
            "split_id": [split.pk] * len(units),
            "marketing_unit_id": units["unit_id"].tolist(),
            "pool": _decimal_text(units["pool"], MONEY_PLACES),
            "weight_total": _decimal_text(units["weight_total"], COEFFICIENT_PLACES),
            "allocated": _decimal_text(units["allocated"], MONEY_PLACES),
            "unallocated": _decimal_text(units["unallocated"], MONEY_PLACES),
        },
    )
    unit_ids = _ids(UnitBonus, split, "marketing_unit_id")
    columns_insert(
        HallBonus,
        {
            "split_id": [split.pk] * len(halls),
            "unit_id": unit_ids.reindex(halls["unit_id"].to_numpy()).tolist(),
            "hall_id": halls["hall_id"].tolist(),
            "graded": halls["graded"].tolist(),
            "grade": halls["grade"].tolist(),
            "status": halls["status"].tolist(),
            "vetoed": halls["vetoed"].tolist(),
            "coefficient_basis": halls["basis"].tolist(),
            "volume": halls["volume"].tolist(),
            "coefficient": _decimal_text(halls["coefficient"], COEFFICIENT_PLACES),
            "weight": _decimal_text(halls["weight"], COEFFICIENT_PLACES),
            "share": _decimal_text(halls["share"], SHARE_PLACES),
            "amount": _decimal_text(halls["amount"], MONEY_PLACES),
            "points_total": _decimal_text(halls["points_total"], POINTS_PLACES),
            "staff_allocated": _decimal_text(halls["staff_allocated"], MONEY_PLACES),
            "staff_unallocated": _decimal_text(halls["staff_unallocated"], MONEY_PLACES),
        },
    )
    hall_ids = _ids(HallBonus, split, "hall_id")
    columns_insert(
        StaffBonus,
        {
            "split_id": [split.pk] * len(staff),
            "hall_bonus_id": hall_ids.reindex(staff["hall_id"].to_numpy()).tolist(),
            "staff_id": staff["staff_id"].tolist(),
            "points": _decimal_text(staff["points"], POINTS_PLACES),
            "share": _decimal_text(staff["share"], SHARE_PLACES),
            "amount": _decimal_text(staff["amount"], MONEY_PLACES),
            "left_in_month": staff["left_in_month"].tolist(),
        },
    )
