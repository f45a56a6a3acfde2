"""Triggers raising halls.HallVersion when a row of this app that a hall's archive page shows is written
(see halls.hall_versions)."""

from django.db import migrations

from halls.hall_versions import run_sql


class Migration(migrations.Migration):
    dependencies = [
        ("halls", "0013_hall_version"),
        ("incentives", "0003_bonussplit_request_id"),
    ]

    operations = [
        # The hall's amount in the latest approved split: its hall bonuses, and the split's state and month (an
        # approval raises every hall of the split).
        run_sql(
            [
                ("incentives_hallbonus", {}),
                (
                    "incentives_bonussplit",
                    {
                        "events": ("UPDATE",),
                        "child": ("incentives_hallbonus", "split_id"),
                        "changed": ("state", "month"),
                    },
                ),
            ]
        ),
    ]
