"""Activity participation (活动参与) in the hall archive: the month's activities, the hall's points against
the city's average, and what the policy's optional rule makes of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from halls.models import ActivityRule, GradingPolicy, Hall
from halls.selectors import policy_in_force
from scoring.services.evidence import hall_open_q
from surveys.models import ActivityParticipation

CENT = Decimal("0.01")


@dataclass
class HallActivity:
    month: dt.date
    activities: list = field(default_factory=list)
    points: Decimal = Decimal("0")
    city_average: Decimal | None = None
    rule: str = ActivityRule.NONE
    rule_label: str = ""
    target: Decimal = Decimal("0")
    rule_points: Decimal = Decimal("0")
    met: bool = False

    @property
    def effect(self) -> Decimal:
        """Points the rule adds (positive) or takes (negative) this month, before the bonus cap."""
        if self.rule == ActivityRule.BONUS and self.met:
            return self.rule_points
        if self.rule == ActivityRule.DEDUCTION and not self.met:
            return -self.rule_points
        return Decimal("0")


def hall_activity(*, hall: Hall, month: dt.date, policy: GradingPolicy | None = None) -> HallActivity:
    """The hall's activities in ``month`` and their points; the city's average is its halls' points summed
    over the halls open that month (a hall without activities counts as 0). ``policy``: the one governing
    ``month`` (the grading run's), read when not given. Two queries (three without the policy)."""
    policy = policy or policy_in_force(month=month)
    activities = list(ActivityParticipation.objects.filter(hall=hall, month=month).order_by("date", "pk"))
    points = sum((a.points for a in activities), Decimal("0"))
    # One row per (hall, activity) of the city: the halls open are counted once each, the points summed.
    city = Hall.objects.filter(district__city_id=hall.district.city_id).aggregate(
        open_halls=Count("pk", filter=hall_open_q(month), distinct=True),
        total=Sum("activities__points", filter=Q(activities__month=month)),
    )
    open_halls = city["open_halls"] or 0
    city_total = city["total"] or Decimal("0")
    return HallActivity(
        month=month,
        activities=activities,
        points=points,
        city_average=(city_total / open_halls).quantize(CENT) if open_halls else None,
        rule=policy.activity_rule,
        rule_label=policy.get_activity_rule_display(),
        target=policy.activity_target_points,
        rule_points=policy.activity_rule_points,
        met=points >= policy.activity_target_points,
    )
