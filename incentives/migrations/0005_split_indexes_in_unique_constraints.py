import django.db.models.deletion
from django.db import migrations, models

TABLES = ("incentives_unitbonus", "incentives_hallbonus", "incentives_staffbonus")


def _split_index(schema_editor, table: str) -> str | None:
    """The name of ``table``'s index on split_id alone (Django's name for a foreign key's index)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return next(
        (
            name
            for name, info in constraints.items()
            if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == ["split_id"]
        ),
        None,
    )


def drop(apps, schema_editor):
    for table in TABLES:
        name = _split_index(schema_editor, table)
        if name:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create(apps, schema_editor):
    for table in TABLES:
        if not _split_index(schema_editor, table):
            name = schema_editor.quote_name(f"{table}_split_id_idx")
            schema_editor.execute(f"CREATE INDEX {name} ON {schema_editor.quote_name(table)} (split_id)")


def split(related_name: str):
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to="incentives.bonussplit",
    )


class Migration(migrations.Migration):
    """The row tables' own index on split goes: each table's unique constraint leads with split and serves every
    lookup by it. The index is dropped by name rather than by AlterField, which on SQLite rebuilds the table and
    would drop its hall-version triggers with it."""

    dependencies = [
        ("incentives", "0004_hall_version_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="unitbonus", name="split", field=split("units")),
                migrations.AlterField(model_name="hallbonus", name="split", field=split("halls")),
                migrations.AlterField(model_name="staffbonus", name="split", field=split("staff")),
            ],
            database_operations=[migrations.RunPython(drop, create)],
        ),
    ]
