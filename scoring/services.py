"""Writes for grading."""

from __future__ import annotations

import datetime as dt

from scoring.models import GradingPolicy, PolicyState

DEFAULT_POLICY_EFFECTIVE_FROM = dt.date(2025, 1, 1)


def default_policy_load() -> tuple[GradingPolicy, bool]:
    """The default grading policy of DOMAIN.md as version 1, unless a policy exists. Returns (policy, created)."""
    existing = GradingPolicy.objects.order_by("version").first()
    if existing is not None:
        return existing, False
    policy = GradingPolicy.objects.create(
        version=1, effective_from=DEFAULT_POLICY_EFFECTIVE_FROM, state=PolicyState.ACTIVE
    )
    return policy, True
