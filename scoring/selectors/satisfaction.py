"""Customer satisfaction beyond the index: the six dimensions per hall and month, the satisfaction warning
(满意度预警) and the driver analysis (改善因子分析).

Every figure is on the 0–100 scale of the satisfaction index: a score divided by its survey's maximum, × 100.

- A hall's dimension score in a month: the mean of its customers' answers on that dimension.
- The city's figure: the mean over every answer given in the city's halls that month (customers, not halls,
  weigh equally).
- The index is :func:`surveys.selectors.satisfaction_index_frame`'s: the mean of the overall scores.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, FloatField, Sum
from django.db.models.functions import Cast
from django.utils.translation import get_language, gettext
from scipy import stats

from halls.frames import queryset_frame
from halls.i18n import name_field
from halls.models import CityCompany, Hall
from halls.months import month_add
from halls.selectors import Scope, policy_in_force
from surveys.models import SurveyAnswer, SurveyKind, SurveyResponse

TREND_MONTHS = 12
CONFIDENCE = 0.95
# The joint model estimates six slopes and an intercept: it needs a few halls more than that.
JOINT_MIN_HALLS = 10
SIMPLE_MIN_HALLS = 4


def _scaled_means(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """From per-(keys, scale) sums and counts, the mean of score/scale × 100 per ``keys``."""
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "answers", "score"])
    rows = rows.assign(ratio=rows["total"].astype(float) / rows["scale"].astype(float))
    frame = rows.groupby(keys, as_index=False)[["n", "ratio"]].sum()
    frame["score"] = frame["ratio"] / frame["n"] * 100
    return frame.rename(columns={"n": "answers"})[[*keys, "answers", "score"]]


def dimension_frame(*, months: list[dt.date], hall_ids: list[int] | None = None, city_id: int | None = None):
    """Dimension scores per hall and month (one SQL aggregate).

    Columns: hall_id, month, code, name (in the active language), order, answers, score."""
    qs = SurveyAnswer.objects.filter(response__month__in=months, response__survey__kind=SurveyKind.CUSTOMER)
    if hall_ids is not None:
        qs = qs.filter(response__hall_id__in=hall_ids)
    if city_id is not None:
        qs = qs.filter(response__hall__district__city_id=city_id)
    rows = queryset_frame(
        qs.values(
            "response__hall_id",
            "response__month",
            "dimension__code",
            name_field("dimension__"),
            "dimension__order",
            "response__survey__scale_max",
        )
        .annotate(n=Count("pk"), total=Cast(Sum("score"), FloatField()))
        .order_by()
    ).rename(
        columns={
            "response__hall_id": "hall_id",
            "response__month": "month",
            "dimension__code": "code",
            name_field("dimension__"): "name",
            "dimension__order": "order",
            "response__survey__scale_max": "scale",
        }
    )
    return _scaled_means(rows, ["hall_id", "month", "code", "name", "order"])


def _dimensions_of(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(code, name) of the dimensions answered in ``frame``, in survey order."""
    if frame.empty:
        return []
    named = frame.sort_values(["order", "code"]).drop_duplicates("code")
    return list(zip(named["code"], named["name"], strict=True))


def index_frame(*, months: list[dt.date], hall_ids: list[int] | None = None, city_id: int | None = None):
    """The satisfaction index per hall and month (one SQL aggregate). Columns: hall_id, month, answers, score."""
    qs = SurveyResponse.objects.filter(month__in=months, survey__kind=SurveyKind.CUSTOMER)
    if hall_ids is not None:
        qs = qs.filter(hall_id__in=hall_ids)
    if city_id is not None:
        qs = qs.filter(hall__district__city_id=city_id)
    rows = queryset_frame(
        qs.values("hall_id", "month", "survey__scale_max")
        .annotate(n=Count("pk"), total=Cast(Sum("overall"), FloatField()))
        .order_by()
    ).rename(columns={"survey__scale_max": "scale"})
    return _scaled_means(rows, ["hall_id", "month"])


def _pooled(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Hall means pooled back into one mean per ``keys``, each answer weighing once."""
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "score"])
    weighted = frame.assign(points=frame["score"] * frame["answers"])
    pooled = weighted.groupby(keys, as_index=False)[["points", "answers"]].sum()
    pooled["score"] = pooled["points"] / pooled["answers"]
    return pooled[[*keys, "score"]]


def _r1(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 1)


# --- The hall archive ----------------------------------------------------------------------------


@dataclass
class HallSatisfaction:
    month: dt.date
    index: float | None = None
    city_index: float | None = None
    previous_index: float | None = None
    dimensions: list[dict] = field(default_factory=list)
    trend: dict = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return self.index is not None or any(d["hall"] is not None for d in self.dimensions)


# The city's frames are the same for every hall of the city: kept in the cache (a day at most) under the
# newest survey response and the newest change to the halls, since responses are only ever added (imports,
# the entry form) and a hall that moves to another city changes which rows are the city's.
CITY_FRAMES_SECONDS = 24 * 3600


def responses_stamp() -> str:
    """The newest survey response and the newest change to the halls (one query of two index reads): what the
    city's frames, and the hall's satisfaction panel drawn from them, are cached under."""
    responses, hall_changes = SurveyResponse._meta.db_table, Hall.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT MAX(id) FROM {responses}), (SELECT MAX(history_id) FROM {hall_changes})")
        newest_response, newest_hall_change = cursor.fetchone()
    return f"{newest_response}:{newest_hall_change}"


def _city_frames(*, city_id: int, months: list[dt.date], stamp: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    stamp = stamp or responses_stamp()
    key = f"satisfaction:city:{city_id}:{months[0]:%Y%m}-{months[-1]:%Y%m}:{stamp}:{get_language()}"
    return cache.get_or_set(
        key,
        lambda: (dimension_frame(months=months, city_id=city_id), index_frame(months=months, city_id=city_id)),
        CITY_FRAMES_SECONDS,
    )


def hall_satisfaction(*, hall: Hall, month: dt.date, stamp: str | None = None) -> HallSatisfaction:
    """The hall's index and six dimensions in ``month`` against its city, with the previous month, and the
    twelve-month trend of the index and each dimension. The city's dimension scores and index per hall and
    month over the twelve months (two queries, a few rows per hall; cached per city), the hall's picked out
    here. ``stamp``: :func:`responses_stamp`, when the caller has read it already."""
    months = [month_add(month, -offset) for offset in range(TREND_MONTHS - 1, -1, -1)]
    previous = month_add(month, -1)
    city_dims_all, city_index_all = _city_frames(city_id=hall.district.city_id, months=months, stamp=stamp)
    dims = _dimensions_of(
        city_dims_all[city_dims_all["hall_id"] == hall.pk] if not city_dims_all.empty else city_dims_all
    )
    hall_dims = city_dims_all[city_dims_all["hall_id"] == hall.pk]
    city_dims = _pooled(city_dims_all[city_dims_all["month"] == month], ["code"])
    hall_index = city_index_all[city_index_all["hall_id"] == hall.pk].set_index("month")["score"]
    city_index = _pooled(city_index_all[city_index_all["month"] == month], ["month"]).set_index("month")["score"]
    by_key = {(row.month, row.code): row.score for row in hall_dims.itertuples()}
    city_by_code = dict(zip(city_dims["code"], city_dims["score"], strict=True))
    result = HallSatisfaction(
        month=month,
        index=_r1(hall_index.get(month)),
        city_index=_r1(city_index.get(month)),
        previous_index=_r1(hall_index.get(previous)),
    )
    for code, name in dims:
        result.dimensions.append(
            {
                "code": code,
                "name": name,
                "hall": _r1(by_key.get((month, code))),
                "previous": _r1(by_key.get((previous, code))),
                "city": _r1(city_by_code.get(code)),
            }
        )
    result.trend = {
        "categories": [f"{m:%Y-%m}" for m in months],
        "series": [{"name": _index_label(), "data": [_r1(hall_index.get(m)) for m in months]}]
        + [{"name": name, "data": [_r1(by_key.get((m, code))) for m in months]} for code, name in dims],
    }
    return result


def _index_label() -> str:
    return gettext("满意度指数")


# --- Satisfaction warning (满意度预警) ------------------------------------------------------------


def latest_survey_month(*, hall_ids: list[int]) -> dt.date | None:
    """The newest month with a customer-survey response from any of ``hall_ids``."""
    return (
        SurveyResponse.objects.filter(hall_id__in=hall_ids, survey__kind=SurveyKind.CUSTOMER)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def satisfaction_warnings(*, halls: list[Hall], month: dt.date) -> list[dict]:
    """Each hall whose index or a dimension in ``month`` is below the policy's warning line, or fell by more
    than the policy's limit from the month before: one line per hall and figure, worst first.

    Each line: hall, code ("" for the index), name, score, previous, drop, below (bool), dropped (bool).
    Three queries whatever the number of halls."""
    policy = policy_in_force(month=month)
    line = float(policy.satisfaction_warning_below)
    limit = float(policy.satisfaction_warning_drop)
    previous = month_add(month, -1)
    hall_ids = [hall.pk for hall in halls]
    dims = dimension_frame(months=[previous, month], hall_ids=hall_ids)
    names = dict(_dimensions_of(dims))
    index = index_frame(months=[previous, month], hall_ids=hall_ids).assign(code="")
    frame = pd.concat([index, dims[index.columns]], ignore_index=True) if not dims.empty else index
    if frame.empty:
        return []
    wide = frame.pivot_table(index=["hall_id", "code"], columns="month", values="score", aggfunc="first")
    wide = wide.reindex(columns=[previous, month])
    wide.columns = ["previous", "score"]
    wide = wide[wide["score"].notna()].copy()
    wide["drop"] = wide["previous"] - wide["score"]
    wide["below"] = np.round(wide["score"], 1) < line
    wide["dropped"] = (np.round(wide["drop"], 1) > limit).fillna(False).astype(bool)
    flagged = wide[wide["below"] | wide["dropped"]].reset_index()
    by_id = {hall.pk: hall for hall in halls}
    lines = [
        {
            "hall": by_id[row.hall_id],
            "code": row.code,
            "name": names.get(row.code, row.code) if row.code else _index_label(),
            "score": _r1(row.score),
            "previous": _r1(row.previous),
            "drop": _r1(row.drop),
            "below": bool(row.below),
            "dropped": bool(row.dropped),
        }
        for row in flagged.itertuples()
    ]
    lines.sort(key=lambda item: (item["score"], item["hall"].code, item["code"]))
    return lines


# --- Driver analysis (改善因子分析) -----------------------------------------------------------------


@dataclass
class DriverAnalysis:
    month: dt.date
    halls: int
    simple: list[dict] = field(default_factory=list)  # per dimension: r, low, high, p, mean
    joint: list[dict] = field(default_factory=list)  # per dimension: beta, low, high, p
    r_squared: float | None = None
    adj_r_squared: float | None = None

    @property
    def enough_for_simple(self) -> bool:
        return self.halls >= SIMPLE_MIN_HALLS

    @property
    def enough_for_joint(self) -> bool:
        return bool(self.joint)


def _standardised(series: pd.Series) -> pd.Series:
    return (series - series.mean()) / series.std(ddof=1)


def satisfaction_drivers(*, city_id: int, month: dt.date) -> DriverAnalysis:
    """Which dimensions move the satisfaction index across the city's halls in ``month``.

    The unit is the hall (its index and its six dimension scores):

    - simple: each dimension's Pearson correlation r with the index across the halls, with its 95 %
      confidence interval (Fisher's transformation) and p-value, from scipy;
    - joint: every variable standardised (mean 0, standard deviation 1 across the halls), the index fitted on
      all six dimensions at once by ordinary least squares (statsmodels), only with at least
      ``JOINT_MIN_HALLS`` halls: the slope of each, holding the others fixed, with its 95 % t interval and
      p-value, and the model's R².

    A dimension that does not vary across the halls has no slope (it cannot explain a difference).
    """
    scores = dimension_frame(months=[month], city_id=city_id)
    dims = _dimensions_of(scores)
    index = index_frame(months=[month], city_id=city_id).set_index("hall_id")["score"].rename("index")
    wide = scores.pivot_table(index="hall_id", columns="code", values="score", aggfunc="first")
    codes = [code for code, _name in dims if code in wide.columns]
    data = wide[codes].join(index, how="inner").dropna()
    analysis = DriverAnalysis(month=month, halls=len(data))
    if not analysis.enough_for_simple:
        return analysis
    y = _standardised(data["index"])
    varying = [code for code in codes if data[code].std(ddof=1) > 0]
    names = dict(dims)
    for code in varying:
        result = stats.pearsonr(data[code], data["index"])
        interval = result.confidence_interval(confidence_level=CONFIDENCE)
        analysis.simple.append(
            {
                "code": code,
                "name": names[code],
                "r": round(float(result.statistic), 3),
                "low": round(float(interval.low), 3),
                "high": round(float(interval.high), 3),
                "p": round(float(result.pvalue), 3),
                "mean": _r1(data[code].mean()),
            }
        )
    analysis.simple.sort(key=lambda item: -item["r"])
    if len(data) >= JOINT_MIN_HALLS and len(varying) >= 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            design = sm.add_constant(pd.DataFrame({code: _standardised(data[code]) for code in varying}))
            fit = sm.OLS(y, design).fit()
        intervals = fit.conf_int(alpha=1 - CONFIDENCE)
        analysis.joint = sorted(
            (
                {
                    "code": code,
                    "name": names[code],
                    "beta": round(float(fit.params[code]), 3),
                    "low": round(float(intervals.loc[code, 0]), 3),
                    "high": round(float(intervals.loc[code, 1]), 3),
                    "p": round(float(fit.pvalues[code]), 3),
                }
                for code in varying
            ),
            key=lambda item: -item["beta"],
        )
        analysis.r_squared = round(float(fit.rsquared), 3)
        analysis.adj_r_squared = round(float(fit.rsquared_adj), 3)
    return analysis


def survey_cities(*, scope: Scope) -> list[tuple[int, str]]:
    """(id, name) of the cities whose driver analysis ``scope`` may read: every city for HQ, its own for a
    city company (地市客服), none for anyone else."""
    if scope.is_hq:
        qs = CityCompany.objects.all()
    elif scope.is_city_manager:
        qs = CityCompany.objects.filter(pk__in=scope.city_ids)
    else:
        return []
    return list(qs.order_by("code").values_list("pk", "name"))


def survey_months(*, scope: Scope, limit: int = 24) -> list[dt.date]:
    """The newest months with customer-survey responses in ``scope``, newest first."""
    qs = scope.filter(SurveyResponse.objects.filter(survey__kind=SurveyKind.CUSTOMER), hall_path="hall")
    return list(qs.order_by("-month").values_list("month", flat=True).distinct()[:limit])
