"""The Celery application.

With no ``CELERY_BROKER_URL`` set, settings make every task run eagerly in-process, so the app
works on one machine with nothing else installed; with a Redis URL, tasks go to real workers.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("hallq")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every schedule lives here, as crontab entries, each with an expiry so a backlog never piles up.
# django-celery-beat's DatabaseScheduler copies these into its tables, where HQ can pause them.
from celery.schedules import crontab  # noqa: E402

app.conf.beat_schedule = {
    # The health endpoint reports the last time a worker ran this.
    "worker-heartbeat": {
        "task": "halls.worker_heartbeat",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    # Every morning at 07:30 (Asia/Shanghai), before the working day: overdue rectifications are raised
    # one level (district managers, city, then HQ), and HQ warned again at the policy's
    # interval until they are fixed. Expires before the next day's run if no worker took it.
    "rectifications-escalate": {
        "task": "inspections.rectifications_escalate",
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 20 * 60 * 60},
    },
    # Every morning at 07:40 (Asia/Shanghai), after the rectifications: halls at the bottom (monitored or
    # supervised) two months running are warned about one level a day, then HQ again until they improve.
    "monitored-halls-escalate": {
        "task": "inspections.monitored_halls_escalate",
        "schedule": crontab(hour=7, minute=40),
        "options": {"expires": 20 * 60 * 60},
    },
    # Every morning at 06:30 (Asia/Shanghai), before the working day's list is read: inspection plan lines
    # past their due date become late, and those of a month that is over missed.
    "plan-lines-age": {
        "task": "inspections.plan_lines_age",
        "schedule": crontab(hour=6, minute=30),
        "options": {"expires": 20 * 60 * 60},
    },
    # Last month's satisfaction warnings to district managers and city companies at 08:00 on the 5th, once
    # the month's survey files are in (the homes list them all along).
    "satisfaction-warnings": {
        "task": "scoring.satisfaction_warnings_notify",
        "schedule": crontab(minute=0, hour=8, day_of_month=5),
        "options": {"expires": 12 * 60 * 60},
    },
    # Draft last month's grading at 02:00 on the 1st, for HQ to review and publish.
    "grading-draft-previous-month": {
        "task": "scoring.grade_previous_month",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
        "options": {"expires": 6 * 60 * 60},
    },
    # Every 10 minutes: an import batch still running past its task's hard time limit (30 min) was left by
    # a task that died without a redelivery; it is marked failed so the file can be uploaded again.
    "imports-sweep": {
        "task": "surveys.import_batches_sweep",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
}
