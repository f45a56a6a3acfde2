"""Celery tasks for inspections: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="inspections.rectifications_escalate", acks_late=True, time_limit=600, soft_time_limit=540)
def rectifications_escalate_task() -> dict:
    """Daily: raise overdue rectifications one level. Safe to re-run (each level is reached once)."""
    from django.utils import timezone

    from inspections.services.rectification import rectifications_escalate

    result = rectifications_escalate(today=timezone.localdate())
    return {str(level): count for level, count in result.items()}


@shared_task(name="inspections.plan_lines_age", acks_late=True, time_limit=600, soft_time_limit=540)
def plan_lines_age_task() -> dict:
    """Daily: plan lines past their due date become late, those of a month that is over missed. Safe to
    re-run (conditional updates)."""
    from django.utils import timezone

    from inspections.services.plans import plan_lines_age

    return plan_lines_age(today=timezone.localdate())


@shared_task(name="inspections.monitored_halls_escalate", acks_late=True, time_limit=600, soft_time_limit=540)
def monitored_halls_escalate_task() -> dict:
    """Daily: warn about halls at the bottom two months running, one level a day. Safe to re-run (one warning
    per hall and day)."""
    from django.utils import timezone

    from inspections.services.escalation import monitored_halls_escalate

    result = monitored_halls_escalate(today=timezone.localdate())
    return {str(level): count for level, count in result.items()}
