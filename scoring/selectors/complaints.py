"""Complaint analysis (投诉分析): by category, channel, city and district, per 10,000 transactions, over twelve
months, down to the complaints themselves.

The rate per 10,000 transactions (万笔投诉率) of a set of halls in a month = its complaints / its service
volume (front desk + assisted self-service + self-service terminal, as the bonus counts it) × 10,000; no
rate where the halls reported no volume. A category's or a channel's rate is taken over the volume of all the
halls in view (a complaint has a category, a transaction has none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Count, F, Q, QuerySet, Sum

from halls.frames import queryset_frame
from halls.months import month_add
from halls.selectors import Scope
from surveys.models import Complaint, ServiceVolume

TREND_MONTHS = 12
PER = 10_000


@dataclass(frozen=True)
class ComplaintFilter:
    month: dt.date
    city_id: int | None = None
    district_id: int | None = None
    category: str = ""
    channel: str = ""

    def hall_q(self, prefix: str = "hall__") -> Q:
        q = Q()
        if self.city_id is not None:
            q &= Q(**{f"{prefix}district__city_id": self.city_id})
        if self.district_id is not None:
            q &= Q(**{f"{prefix}district_id": self.district_id})
        return q


@dataclass
class ComplaintAnalysis:
    month: dt.date
    total: int = 0
    substantiated: int = 0
    transactions: int = 0
    rate: float | None = None
    by_category: list[dict] = field(default_factory=list)
    by_channel: list[dict] = field(default_factory=list)
    by_city: list[dict] = field(default_factory=list)
    by_district: list[dict] = field(default_factory=list)
    trend: dict = field(default_factory=dict)


def rate_per_10k(complaints, transactions) -> float | None:
    if not transactions:
        return None
    return round(float(complaints) / float(transactions) * PER, 2)


def complaint_months(*, scope: Scope, limit: int = 24) -> list[dt.date]:
    """The newest months with complaints in ``scope``, newest first."""
    qs = scope.filter(Complaint.objects.all(), hall_path="hall")
    return list(qs.order_by("-month").values_list("month", flat=True).distinct()[:limit])


def _breakdown(frame: pd.DataFrame, keys: list[str], total: int, transactions: int | None = None) -> list[dict]:
    """Counts per ``keys`` with their share of ``total`` and, where given, the rate over ``transactions``."""
    if frame.empty:
        return []
    grouped = frame.groupby(keys, as_index=False)[["n", "substantiated_n"]].sum()
    grouped = grouped.sort_values(["n", *keys], ascending=[False, *[True] * len(keys)])
    rows = []
    for record in grouped.to_dict("records"):
        rows.append(
            {
                **{key: record[key] for key in keys},
                "count": int(record["n"]),
                "substantiated": int(record["substantiated_n"]),
                "share": round(record["n"] / total * 100, 1) if total else None,
                "rate": rate_per_10k(record["n"], transactions) if transactions is not None else None,
            }
        )
    return rows


def _by_unit(frame: pd.DataFrame, volumes: pd.DataFrame, key: str, name: str) -> list[dict]:
    """Complaints and volume per city (or district), each with its own rate; units with either shown."""
    parts = []
    if not frame.empty:
        parts.append(frame.groupby([key, name])[["n", "substantiated_n"]].sum())
    if not volumes.empty:
        parts.append(volumes.groupby([key, name])[["volume"]].sum())
    if not parts:
        return []
    table = pd.concat(parts, axis=1).reindex(columns=["n", "substantiated_n", "volume"]).fillna(0)
    rows = [
        {
            "id": int(unit_id),
            "name": unit_name,
            "count": int(record["n"]),
            "substantiated": int(record["substantiated_n"]),
            "transactions": int(record["volume"]),
            "rate": rate_per_10k(record["n"], record["volume"]),
        }
        for (unit_id, unit_name), record in table.iterrows()
    ]
    rows.sort(key=lambda row: (-(row["rate"] or 0), -row["count"], row["name"]))
    return rows


def complaint_analysis(*, scope: Scope, criteria: ComplaintFilter) -> ComplaintAnalysis:
    """The month's complaints in ``scope`` (narrowed by city or district) broken down, and the twelve-month
    trend. Two queries: complaints grouped, volumes grouped (both over the twelve months)."""
    month = criteria.month
    months = [month_add(month, -offset) for offset in range(TREND_MONTHS - 1, -1, -1)]
    complaints = scope.filter(Complaint.objects.filter(month__in=months), hall_path="hall").filter(criteria.hall_q())
    frame = queryset_frame(
        complaints.values("month", "category", "channel")
        .annotate(
            city_id=F("hall__district__city_id"),
            city=F("hall__district__city__name"),
            district_id=F("hall__district_id"),
            district=F("hall__district__name"),
            n=Count("pk"),
            substantiated_n=Count("pk", filter=Q(substantiated=True)),
        )
        .order_by()
    )
    volumes_qs = scope.filter(ServiceVolume.objects.filter(month__in=months), hall_path="hall").filter(
        criteria.hall_q()
    )
    volumes = queryset_frame(
        volumes_qs.values("month")
        .annotate(
            city_id=F("hall__district__city_id"),
            city=F("hall__district__city__name"),
            district_id=F("hall__district_id"),
            district=F("hall__district__name"),
            volume=Sum(F("front_desk") + F("assisted_self_service") + F("self_service_terminal")),
        )
        .order_by()
    )
    now = frame[frame["month"] == month] if not frame.empty else frame
    now_volumes = volumes[volumes["month"] == month] if not volumes.empty else volumes
    total = int(now["n"].sum()) if not now.empty else 0
    transactions = int(now_volumes["volume"].sum()) if not now_volumes.empty else 0
    analysis = ComplaintAnalysis(
        month=month,
        total=total,
        substantiated=int(now["substantiated_n"].sum()) if not now.empty else 0,
        transactions=transactions,
        rate=rate_per_10k(total, transactions),
    )
    analysis.by_category = _breakdown(now, ["category"], total, transactions)
    analysis.by_channel = _breakdown(now, ["channel"], total, transactions)
    analysis.by_city = _by_unit(now, now_volumes, "city_id", "city")
    analysis.by_district = _by_unit(now, now_volumes, "district_id", "district")
    counts = frame.groupby("month")["n"].sum() if not frame.empty else pd.Series(dtype=float)
    volume_by_month = volumes.groupby("month")["volume"].sum() if not volumes.empty else pd.Series(dtype=float)
    analysis.trend = {
        "months": [f"{m:%Y-%m}" for m in months],
        "counts": [int(counts.get(m, 0)) for m in months],
        "rates": [rate_per_10k(counts.get(m, 0), volume_by_month.get(m, 0)) for m in months],
    }
    return analysis


def complaint_drilldown(*, scope: Scope, criteria: ComplaintFilter) -> QuerySet[Complaint]:
    """The complaints behind a figure: the month's, in scope, narrowed by city, district, category, channel."""
    qs = scope.filter(Complaint.objects.filter(month=criteria.month), hall_path="hall").filter(criteria.hall_q())
    if criteria.category:
        qs = qs.filter(category=criteria.category)
    if criteria.channel:
        qs = qs.filter(channel=criteria.channel)
    return qs.select_related("hall__district__city").order_by("-received_at", "pk")
