"""Early warning (末位预警): each hall's risk of falling into the bottom share of its group next month.

The method, as the district home states it:

* Where a hall stands is described by three things: the fifth of its status group it sat in in the latest
  published month (position = place in group / halls in group; fifth = ⌈position × 5⌉, 1 the top fifth,
  5 the bottom fifth), whether its composite fell against the month before (its trend), and the evidence
  of the month after so far: its submitted inspections (overt, remote, mystery) up to today's day of the
  month scored on average below the average of its city's halls (low), not below (ok), or none yet.
* Its risk is the share of the cases of the last ``HISTORY_MONTHS`` published months that stood the same
  way (same fifth, trend and evidence up to the same day of the month) and were in the bottom share the
  month after: an empirical transition rate, counted with pandas. A combination seen fewer than the
  policy's minimum of cases gives no estimate.
* A hall not in the bottom share now is flagged when its risk reaches ``WARNING_RISK``.
* Back-test: for every month of the history, the rates are counted from the months before it only, the
  warnings that would have been issued are compared with who actually entered the bottom share next
  month: how many warnings came true (precision) and how many entrants had been warned (recall).

"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace

import pandas as pd
from django.core.cache import cache
from django.db.models import Avg, Case, Count, F, Max, When

from halls.months import month_add
from inspections.models import Inspection, InspectionKind, InspectionState
from scoring.models import GradingRun, HallMonthResult, RankingGroup, RunState

HISTORY_MONTHS = 13  # twelve transitions, as the back-test on "last year's warnings" needs
MIN_CASES = 5
WARNING_RISK = 0.5
BANDS = 5
CACHE_SECONDS = 600  # the month's inspections so far change during the day


EVIDENCE_KINDS = (InspectionKind.OVERT, InspectionKind.REMOTE, InspectionKind.MYSTERY)


class Evidence:
    NONE = "none"
    LOW = "low"
    OK = "ok"


@dataclass
class HallWarning:
    hall_id: int
    band: int
    falling: bool
    risk: float
    cases: int
    evidence: str = Evidence.NONE

    @property
    def risk_percent(self) -> int:
        return round(self.risk * 100)


@dataclass
class BackTest:
    months: int = 0
    warnings: int = 0
    came_true: int = 0
    entrants: int = 0
    warned_entrants: int = 0

    @property
    def precision(self) -> float | None:
        return self.came_true / self.warnings if self.warnings else None

    @property
    def recall(self) -> float | None:
        return self.warned_entrants / self.entrants if self.entrants else None


@dataclass
class EarlyWarning:
    month: dt.date | None
    warnings: list[HallWarning] = field(default_factory=list)
    backtest: BackTest = field(default_factory=BackTest)
    min_cases: int = MIN_CASES
    threshold: float = WARNING_RISK

    @property
    def threshold_percent(self) -> int:
        return round(self.threshold * 100)


def _month_index(month: dt.date) -> int:
    return month.year * 12 + month.month - 1


def _evidence(*, months: list[dt.date], day: int) -> pd.DataFrame:
    """Per hall and month of ``months``: "low" when its submitted inspections inspected up to ``day`` of the
    month scored on average below its city's halls' average of the same, else "ok" (one query)."""
    rows = (
        Inspection.objects.filter(
            state=InspectionState.SUBMITTED,
            kind__in=EVIDENCE_KINDS,
            month__in=months,
            inspected_at__day__lte=day,
            score__isnull=False,
        )
        .values("hall_id", "month", city=F("hall__district__city_id"))
        .annotate(average=Avg("score"))
        .values_list("hall_id", "month", "city", "average")
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["hall", "month", "city", "average"])
    if frame.empty:
        return pd.DataFrame(columns=["hall", "idx", "evidence"])
    frame["average"] = frame["average"].astype(float)
    city_average = frame.groupby(["city", "month"])["average"].transform("mean")
    frame["evidence"] = (frame["average"] < city_average).map({True: Evidence.LOW, False: Evidence.OK})
    frame["idx"] = frame["month"].map(_month_index) - 1  # the evidence of the month after a result's month
    return frame[["hall", "idx", "evidence"]]


def _history(*, month: dt.date, day: int) -> pd.DataFrame:
    """One row per hall and published month up to ``month``: its fifth, whether its composite fell, whether
    it was in the bottom share, and whether it was the month after (NaN where unknown). One query."""
    start = month_add(month, -(HISTORY_MONTHS - 1))
    rows = (
        HallMonthResult.objects.filter(
            run__state=RunState.PUBLISHED, run__is_what_if=False, graded=True, month__gte=start, month__lte=month
        )
        .annotate(
            group_place=Case(When(ranking_group=RankingGroup.CITY_KIND, then=F("rank_kind")), default=F("rank_city"))
        )
        .values_list("hall_id", "month", "composite", "group_place", "group_size", "city_size", "in_bottom_share")
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["hall", "month", "composite", "place", "group_size", "city_size", "bottom"]
    )
    if frame.empty:
        return frame
    frame["idx"] = frame["month"].map(_month_index)
    frame["composite"] = frame["composite"].astype(float)
    size = frame["group_size"].fillna(frame["city_size"]).astype(float)
    position = frame["place"].astype(float) / size
    frame = frame[position.notna()].copy()  # a result without a place in its group cannot be placed
    frame["band"] = (position[position.notna()] * BANDS).map(math.ceil).clip(1, BANDS).astype(int)
    before = frame[["hall", "idx", "composite"]].assign(idx=frame["idx"] + 1).rename(columns={"composite": "prev"})
    frame = frame.merge(before, on=["hall", "idx"], how="left")
    frame["falling"] = frame["composite"] < frame["prev"]  # no month before: not falling
    after = frame[["hall", "idx", "bottom"]].assign(idx=frame["idx"] - 1).rename(columns={"bottom": "next_bottom"})
    frame = frame.merge(after, on=["hall", "idx"], how="left")
    months = sorted({month_add(m, 1) for m in frame["month"]})
    frame = frame.merge(_evidence(months=months, day=day), on=["hall", "idx"], how="left")
    frame["evidence"] = frame["evidence"].fillna(Evidence.NONE)
    return frame


def _rates(cases: pd.DataFrame) -> pd.DataFrame:
    """Per (fifth, trend): how many cases, and the share that were in the bottom share the month after."""
    return (
        cases.assign(next_bottom=cases["next_bottom"].astype(float))
        .groupby(["band", "falling", "evidence"])["next_bottom"]
        .agg(cases="count", risk="mean")
        .reset_index()
    )


def _flag(rows: pd.DataFrame, rates: pd.DataFrame, *, min_cases: int, threshold: float) -> pd.DataFrame:
    """``rows`` not in the bottom share, with their risk; those whose risk reaches the threshold marked."""
    rows = rows[~rows["bottom"].astype(bool)].merge(rates, on=["band", "falling", "evidence"], how="left")
    rows["cases"] = rows["cases"].fillna(0).astype(int)
    rows["warned"] = (rows["cases"] >= min_cases) & (rows["risk"] >= threshold)
    return rows


def early_warning(
    *,
    month: dt.date | None,
    as_of: dt.date | None = None,
    hall_ids: list[int] | None = None,
    min_cases: int = MIN_CASES,
    threshold: float = WARNING_RISK,
) -> EarlyWarning:
    """The warnings for the month after ``month`` (the latest published one), for ``hall_ids`` (all when
    None), highest risk first, and the back-test of the method over the history. The evidence of the month
    after is read up to ``as_of``'s day of the month when ``as_of`` falls in it (the whole month otherwise),
    and so is every past month's, so that the cases compare like with like.

    The province's warnings are computed once and kept in the cache for ``CACHE_SECONDS`` under the
    published runs they read (a re-grading published meanwhile names new ones), the day and the figures;
    each district's home filters its halls from them."""
    if month is None:
        return EarlyWarning(month=None, min_cases=min_cases, threshold=threshold)
    next_month = month_add(month, 1)
    in_next_month = as_of is not None and (as_of.year, as_of.month) == (next_month.year, next_month.month)
    day = as_of.day if in_next_month else 31
    runs = GradingRun.objects.filter(
        state=RunState.PUBLISHED, is_what_if=False, month__gte=month_add(month, -(HISTORY_MONTHS - 1)), month__lte=month
    ).aggregate(ids=Count("pk"), latest=Max("pk"), published=Max("published_at"))
    stamp = f"{runs['ids']}.{runs['latest']}.{runs['published'].timestamp() if runs['published'] else 0:.6f}"
    key = f"early-warning:{month:%Y-%m}:{day}:{min_cases}:{threshold}:{stamp}"
    result = cache.get_or_set(
        key,
        lambda: _province_warning(month=month, day=day, min_cases=min_cases, threshold=threshold),
        CACHE_SECONDS,
    )
    if hall_ids is not None:
        wanted = set(hall_ids)
        result = replace(result, warnings=[w for w in result.warnings if w.hall_id in wanted])
    return result


def _province_warning(*, month: dt.date, day: int, min_cases: int, threshold: float) -> EarlyWarning:
    result = EarlyWarning(month=month, min_cases=min_cases, threshold=threshold)
    frame = _history(month=month, day=day)
    if frame.empty:
        return result
    latest = _month_index(month)
    known = frame[frame["next_bottom"].notna()]
    # Back-test: each month's warnings from the rates of the months before it only.
    for idx in sorted(known["idx"].unique()):
        past = known[known["idx"] < idx]
        if past.empty:
            continue
        flagged = _flag(known[known["idx"] == idx], _rates(past), min_cases=min_cases, threshold=threshold)
        entered = flagged["next_bottom"].astype(bool)
        result.backtest.months += 1
        result.backtest.warnings += int(flagged["warned"].sum())
        result.backtest.came_true += int((flagged["warned"] & entered).sum())
        result.backtest.entrants += int(entered.sum())
        result.backtest.warned_entrants += int((flagged["warned"] & entered).sum())
    flagged = _flag(frame[frame["idx"] == latest], _rates(known), min_cases=min_cases, threshold=threshold)
    flagged = flagged[flagged["warned"]].sort_values(["risk", "hall"], ascending=[False, True])
    result.warnings = [
        HallWarning(
            hall_id=int(r.hall),
            band=int(r.band),
            falling=bool(r.falling),
            risk=float(r.risk),
            cases=int(r.cases),
            evidence=str(r.evidence),
        )
        for r in flagged.itertuples()
    ]
    return result
