"""The default coefficient table (docs/rules/en.md, the bonus split: A 1.2, B 1.0, C 0.8, D 0.5; supervised,
veto and not graded 0) as version 1, so that a fresh install can split a month without the demo data. Left alone
if any table exists."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

# Early enough to govern any month HQ may split; incentives.services.DEFAULT_COEFFICIENTS_EFFECTIVE_FROM matches.
EFFECTIVE_FROM = dt.date(2000, 1, 1)


def default_coefficients_create(apps, schema_editor):
    CoefficientTable = apps.get_model("incentives", "CoefficientTable")
    if CoefficientTable.objects.exists():
        return
    CoefficientTable.objects.create(
        version=1,
        effective_from=EFFECTIVE_FROM,
        grade_a=Decimal("1.20"),
        grade_b=Decimal("1.00"),
        grade_c=Decimal("0.80"),
        grade_d=Decimal("0.50"),
        supervised=Decimal("0"),
        vetoed=Decimal("0"),
        not_graded=Decimal("0"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0001_bonus_split"),
    ]

    operations = [
        # Reversing keeps the table: splits may refer to it by then.
        migrations.RunPython(default_coefficients_create, migrations.RunPython.noop),
    ]
