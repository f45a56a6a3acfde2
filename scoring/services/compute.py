"""The arithmetic of grading, on pandas frames and plain figures only (no database).

Two steps, so that the first can later run per city on separate workers:

1. :func:`city_scores` takes one city's evidence (one row per hall open in the month) and returns each
   hall's dimension scores, re-weighted weights, contributions, bonus, deductions, veto, composite, grade.
2. :func:`rank_and_status` takes every city's scores together with the published history and returns
   ranks within city, district and kind, the top/bottom flags, the status for next month, star nominees.
   The top and bottom shares are taken within the policy's ranking group: the city, or the city's halls
   of the same kind (self-run and partner halls judged separately).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from halls.models import ActivityRule
from halls.months import month_add
from scoring.models import Grade, HallStatus, RankingGroup

DIMENSIONS = ("mystery", "satisfaction", "inspection", "complaint")

EVIDENCE_COLUMNS = [
    "hall_id",
    "city_id",
    "district_id",
    "kind",
    "mystery_awarded",
    "mystery_applicable",
    "inspection_awarded",
    "inspection_applicable",
    "satisfaction",
    "substantiated",
    "bonus",
    "deduction",
    "vetoes",
    # Remote checks apart: whether they count is the policy's (``remote_checks_scored``).
    "remote_awarded",
    "remote_applicable",
    "remote_bonus",
    "remote_deduction",
    "remote_vetoes",
]
# What a remote check adds to when the policy scores it.
REMOTE_INTO = {
    "remote_awarded": "inspection_awarded",
    "remote_applicable": "inspection_applicable",
    "remote_bonus": "bonus",
    "remote_deduction": "deduction",
    "remote_vetoes": "vetoes",
}

HISTORY_COLUMNS = ["hall_id", "month", "graded", "composite", "in_top_share", "in_bottom_share", "next_status"]

# Stored on the result in Chinese (the msgid) and translated when a page shows it.
NOT_GRADED_NO_EVIDENCE = gettext_noop("本月无暗访、满意度和检查数据")
NOT_GRADED_NO_WEIGHT = gettext_noop("有数据的维度权重均为 0")


@dataclass(frozen=True)
class PolicyFigures:
    """The grading policy as plain numbers (picklable, so a worker can be handed it)."""

    weight_mystery: float
    weight_satisfaction: float
    weight_inspection: float
    weight_complaint: float
    complaint_penalty: float
    bonus_cap: float
    veto_cap: float
    grade_a_min: float
    grade_b_min: float
    grade_c_min: float
    top_share: float
    bottom_share: float
    consecutive_months: int
    improvement_threshold: float
    ranking_group: str = RankingGroup.CITY.value
    remote_checks_scored: bool = False
    activity_rule: str = ActivityRule.NONE.value
    activity_target_points: float = 0.0
    activity_rule_points: float = 0.0

    @classmethod
    def of(cls, policy) -> PolicyFigures:
        return cls(
            weight_mystery=float(policy.weight_mystery),
            weight_satisfaction=float(policy.weight_satisfaction),
            weight_inspection=float(policy.weight_inspection),
            weight_complaint=float(policy.weight_complaints),
            complaint_penalty=float(policy.complaint_penalty),
            bonus_cap=float(policy.bonus_cap),
            veto_cap=float(policy.veto_cap),
            grade_a_min=float(policy.grade_a_min),
            grade_b_min=float(policy.grade_b_min),
            grade_c_min=float(policy.grade_c_min),
            top_share=float(policy.top_share),
            bottom_share=float(policy.bottom_share),
            consecutive_months=int(policy.consecutive_months),
            improvement_threshold=float(policy.improvement_threshold),
            ranking_group=str(policy.ranking_group),
            remote_checks_scored=bool(policy.remote_checks_scored),
            activity_rule=str(policy.activity_rule),
            activity_target_points=float(policy.activity_target_points),
            activity_rule_points=float(policy.activity_rule_points),
        )

    def activity_adjustment(self, activity: pd.Series) -> tuple[pd.Series, pd.Series]:
        """The (bonus, deduction) points the policy's activity rule gives for each hall's month of activity
        points: the rule's points at or above the target (bonus rule), or below it (deduction rule)."""
        zero = pd.Series(0.0, index=activity.index)
        met = activity.astype(float) >= self.activity_target_points - 1e-9
        if self.activity_rule == ActivityRule.BONUS:
            return zero.mask(met, self.activity_rule_points), zero
        if self.activity_rule == ActivityRule.DEDUCTION:
            return zero, zero.mask(~met, self.activity_rule_points)
        return zero, zero

    def weight(self, dimension: str) -> float:
        return getattr(self, f"weight_{dimension}")

    @property
    def group_columns(self) -> list[str]:
        """The columns whose values make up a ranking group."""
        return ["city_id", "kind"] if self.ranking_group == RankingGroup.CITY_KIND else ["city_id"]


def round2(values: pd.Series) -> pd.Series:
    """Half-up rounding to 0.01 (the epsilon absorbs binary noise such as 84.995 → 84.99499…)."""
    return np.floor(values.astype(float) * 100 + 0.5 + 1e-7) / 100


def share_counts(sizes: pd.Series, share: float) -> pd.Series:
    """How many places of a ranking of ``size`` halls make up its top (or bottom) ``share`` percent, for a
    column of group sizes: rank ≤ size × share / 100, so 20 % of 11 halls is 2 places; at least one place
    when there are halls; NaN where there is no size (a hall not graded)."""
    places = np.maximum(1, np.floor(sizes.astype(float) * share / 100 + 1e-9))
    return places.where(sizes > 0, 0).where(sizes.notna())


def city_scores(evidence: pd.DataFrame, figures: PolicyFigures) -> pd.DataFrame:
    """One city's halls (or any set of halls): scores, weights, contributions, composite and grade.

    Remote checks count (in the inspection dimension, bonus, deductions and vetoes) only when the policy
    says so; by default they do not (不通报不考核), and a hall with nothing else has no inspection score."""
    ev = evidence.set_index("hall_id")
    if figures.remote_checks_scored:
        ev = ev.copy()
        for remote, into in REMOTE_INTO.items():
            # NaN (no check of either kind) stays NaN; a number on either side counts.
            ev[into] = ev[into].astype(float).add(ev[remote].astype(float), fill_value=0)
    out = pd.DataFrame(index=ev.index)
    for column in ("city_id", "district_id", "kind"):
        out[column] = ev[column]

    def ratio(awarded: str, applicable: str) -> pd.Series:
        applicable_points = ev[applicable].astype(float)
        return round2(ev[awarded].astype(float) / applicable_points.where(applicable_points > 0) * 100)

    scores = {
        "mystery": ratio("mystery_awarded", "mystery_applicable"),
        "inspection": ratio("inspection_awarded", "inspection_applicable"),
        "satisfaction": round2(ev["satisfaction"].astype(float)),
        "complaint": round2((100 - figures.complaint_penalty * ev["substantiated"].astype(float)).clip(lower=0)),
    }
    has_evidence = scores["mystery"].notna() | scores["satisfaction"].notna() | scores["inspection"].notna()
    # A dimension without data shares its weight among the others, in proportion to theirs.
    raw_weights = {name: scores[name].notna() * figures.weight(name) for name in DIMENSIONS}
    weight_total = sum(raw_weights.values())
    graded = has_evidence & (weight_total > 0)
    base = pd.Series(0.0, index=ev.index)
    for name in DIMENSIONS:
        weight = (raw_weights[name] / weight_total.where(weight_total > 0) * 100).where(scores[name].notna())
        out[f"{name}_score"] = scores[name].where(graded)
        out[f"{name}_weight"] = round2(weight).where(graded)
        base = base + (scores[name] * weight / 100).fillna(0)

    # Activity participation counts only under a policy rule; evidence without the column has none.
    activity = ev["activity"] if "activity" in ev.columns else pd.Series(0.0, index=ev.index)
    activity_bonus, activity_deduction = figures.activity_adjustment(activity.fillna(0))
    bonus_raw = ev["bonus"].astype(float) + activity_bonus
    out["bonus_points"] = round2(bonus_raw.clip(upper=figures.bonus_cap)).where(graded, 0.0)
    out["deduction_points"] = round2(ev["deduction"].astype(float) + activity_deduction).where(graded, 0.0)
    out["vetoed"] = ev["vetoes"].astype(int) > 0
    composite = round2((base + out["bonus_points"] - out["deduction_points"]).clip(lower=0))
    composite = composite.where(~out["vetoed"], composite.clip(upper=figures.veto_cap))
    out["composite"] = composite.where(graded)
    grade = np.select(
        [
            out["vetoed"],
            out["composite"] >= figures.grade_a_min,
            out["composite"] >= figures.grade_b_min,
            out["composite"] >= figures.grade_c_min,
        ],
        [Grade.D, Grade.A, Grade.B, Grade.C],
        default=Grade.D,
    )
    out["grade"] = pd.Series(grade, index=ev.index).where(graded, "")
    out["graded"] = graded
    out["not_graded_reason"] = np.where(
        graded, "", np.where(has_evidence, NOT_GRADED_NO_WEIGHT, NOT_GRADED_NO_EVIDENCE)
    )
    return out.reset_index()


def rank_and_status(
    scores: pd.DataFrame, history: pd.DataFrame, figures: PolicyFigures, *, month: dt.date
) -> pd.DataFrame:
    """Ranks (equal composites share the best rank), top/bottom flags, next month's status, star nominees.

    The top and bottom shares are places in the policy's ranking group (``figures.ranking_group``): the
    city (``rank_city`` of ``city_size``) or the city's halls of one kind (``rank_kind`` of ``group_size``).
    ``history`` holds the published results of earlier months (columns ``HISTORY_COLUMNS``).
    """
    out = scores.copy()
    graded = out[out["graded"]]
    composite = graded["composite"]
    out["rank_city"] = composite.groupby(graded["city_id"]).rank(method="min", ascending=False)
    out["rank_district"] = composite.groupby(graded["district_id"]).rank(method="min", ascending=False)
    out["rank_kind"] = composite.groupby([graded["city_id"], graded["kind"]]).rank(method="min", ascending=False)
    out["city_size"] = graded.groupby("city_id")["hall_id"].transform("count")
    group = [graded[column] for column in figures.group_columns]
    out["ranking_group"] = figures.ranking_group
    out["group_size"] = graded.groupby(group)["hall_id"].transform("count")
    group_rank = out["rank_kind"] if figures.ranking_group == RankingGroup.CITY_KIND else out["rank_city"]
    rank_from_bottom = composite.groupby(group).rank(method="min", ascending=True)
    n_top = share_counts(out["group_size"], figures.top_share)
    n_bottom = share_counts(out["group_size"], figures.bottom_share)
    out["in_top_share"] = (group_rank <= n_top).fillna(False).astype(bool)
    # In a group too small to have distinct top and bottom, the top wins.
    out["in_bottom_share"] = ((rank_from_bottom.reindex(out.index) <= n_bottom) & ~out["in_top_share"]).fillna(False)
    out["in_bottom_share"] = out["in_bottom_share"].astype(bool)

    history = history if not history.empty else pd.DataFrame(columns=HISTORY_COLUMNS)
    by_month = {m: frame.set_index("hall_id") for m, frame in history.groupby("month")}
    previous = by_month.get(month_add(month, -1))
    current_status = (
        previous["next_status"].reindex(out["hall_id"]).fillna(HallStatus.NORMAL).to_numpy()
        if previous is not None
        else np.full(len(out), HallStatus.NORMAL, dtype=object)
    )
    out["status"] = current_status

    top_streak = out["in_top_share"].to_numpy().copy()
    bottom_streak = out["in_bottom_share"].to_numpy().copy()
    later = out["composite"].to_numpy(dtype=float)
    for back in range(1, figures.consecutive_months):
        past = by_month.get(month_add(month, -back))
        if past is None:
            top_streak[:] = False
            bottom_streak[:] = False
            break
        past = past.reindex(out["hall_id"])
        top_streak &= past["in_top_share"].fillna(False).astype(bool).to_numpy()
        earlier = past["composite"].astype(float).to_numpy()
        not_improved = (later - earlier) < figures.improvement_threshold
        bottom_streak &= past["in_bottom_share"].fillna(False).astype(bool).to_numpy() & np.nan_to_num(
            not_improved, nan=False
        ).astype(bool)
        later = earlier

    supervised_now = current_status == HallStatus.SUPERVISED
    graded_mask = out["graded"].to_numpy()
    in_bottom = out["in_bottom_share"].to_numpy()
    out["next_status"] = np.select(
        [
            ~graded_mask & supervised_now,
            ~graded_mask,
            supervised_now & in_bottom,  # supervision lasts until the hall leaves the bottom
            bottom_streak,
            in_bottom,
            top_streak,
        ],
        [
            HallStatus.SUPERVISED,
            HallStatus.NORMAL,
            HallStatus.SUPERVISED,
            HallStatus.SUPERVISED,
            HallStatus.MONITORED,
            HallStatus.EXEMPT,
        ],
        default=HallStatus.NORMAL,
    )
    out["star_nominee"] = _star_nominees(out, history, figures, month=month) if month.month == 12 else False
    return out


def _star_nominees(out: pd.DataFrame, history: pd.DataFrame, figures: PolicyFigures, *, month: dt.date) -> pd.Series:
    """December: the halls whose average composite over the year's graded months is in the top share of
    their ranking group (as it stands this month)."""
    year = history[(history["month"] >= dt.date(month.year, 1, 1)) & history["graded"].astype(bool)]
    this_month = out.loc[out["graded"], ["hall_id", "composite"]]
    year_scores = pd.concat([year[["hall_id", "composite"]], this_month]).astype({"composite": float})
    mean = year_scores.groupby("hall_id")["composite"].mean()
    frame = out.loc[out["graded"], ["hall_id", *figures.group_columns]].copy()
    frame["mean"] = frame["hall_id"].map(mean)
    frame["rank"] = frame.groupby(figures.group_columns)["mean"].rank(method="min", ascending=False)
    sizes = frame.groupby(figures.group_columns)["hall_id"].transform("count")
    frame["nominee"] = frame["rank"] <= share_counts(sizes, figures.top_share)
    return out["hall_id"].map(frame.set_index("hall_id")["nominee"]).fillna(False).astype(bool)
