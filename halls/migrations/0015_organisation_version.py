from django.db import migrations, models

from halls.hall_versions import organisation_version_triggers


def create(apps, schema_editor):
    for statement in organisation_version_triggers(schema_editor.connection.vendor).forwards:
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    for statement in organisation_version_triggers(schema_editor.connection.vendor).backwards:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """The organisation's version, raised by triggers on the city and district companies."""

    dependencies = [
        ("halls", "0014_hall_version_forget"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrganisationVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="organisation_version_one_row")
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
