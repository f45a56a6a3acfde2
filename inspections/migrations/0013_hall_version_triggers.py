"""Triggers raising halls.HallVersion when a row of this app that a hall's archive page shows is written
(see halls.hall_versions)."""

from django.db import migrations

from halls.hall_versions import run_sql


class Migration(migrations.Migration):
    dependencies = [
        ("halls", "0013_hall_version"),
        ("inspections", "0012_look_back_items"),
    ]

    operations = [
        # The inspections / rectifications / coaching panel, the mystery visits (inspections of that kind), the
        # outstanding rectifications; appeals, whose filing and decision change items, scores and rectifications.
        run_sql(
            [
                ("inspections_inspection", {}),
                ("inspections_rectification", {}),
                ("inspections_coachingvisit", {}),
                ("inspections_appeal", {}),
            ]
        ),
    ]
