"""Triggers raising halls.HallVersion when a row of this app that a hall's archive page shows is written
(see halls.hall_versions)."""

from django.db import migrations

from halls.hall_versions import run_sql


class Migration(migrations.Migration):
    dependencies = [
        ("halls", "0013_hall_version"),
        ("surveys", "0008_satisfaction_month"),
    ]

    operations = [
        # Repair cases (panel and outstanding), complaints and their callbacks.
        run_sql([("surveys_repaircase", {}), ("surveys_complaint", {}), ("surveys_complaintcare", {})]),
    ]
