from django.db import migrations

from halls.hall_versions import hall_delete_triggers


def create(apps, schema_editor):
    for statement in hall_delete_triggers(schema_editor.connection.vendor).forwards:
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    for statement in hall_delete_triggers(schema_editor.connection.vendor).backwards:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """A hall's version row goes with the hall (see :func:`halls.hall_versions.hall_delete_triggers`)."""

    dependencies = [
        ("halls", "0013_hall_version"),
    ]

    operations = [migrations.RunPython(create, drop)]
