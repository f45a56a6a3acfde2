"""Writes for grading: the policy (``policy``), the arithmetic (``compute``), reading a month's evidence
(``evidence``), runs and publication (``grading``) and exports (``export``)."""

from scoring.services.distributed import grade_month_distributed
from scoring.services.grading import (
    grade_month,
    grading_previous_month_draft,
    grading_run_execute,
    grading_run_fail,
    grading_run_start,
    month_publish,
)
from scoring.services.policy import default_policy_load, policy_activate, policy_draft_create, policy_update

__all__ = [
    "default_policy_load",
    "grade_month",
    "grade_month_distributed",
    "grading_previous_month_draft",
    "grading_run_execute",
    "grading_run_fail",
    "grading_run_start",
    "month_publish",
    "policy_activate",
    "policy_draft_create",
    "policy_update",
]
