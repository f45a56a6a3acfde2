"""Reads for scoring: ``grading`` (runs, policies, frozen months, statuses) and ``reports`` (the pages)."""

from scoring.selectors.grading import hall_status_in, month_is_published, month_open_check, policy_in_force

__all__ = ["hall_status_in", "month_is_published", "month_open_check", "policy_in_force"]
