"""The SQL of the triggers that raise :class:`halls.models.HallVersion` when a row a hall's archive page shows
is written. Each app creates the triggers of its own tables in its migrations with :func:`hall_version_triggers`
(halls is the lowest layer: every app may import it, and it names no table of theirs).

On PostgreSQL the triggers are per statement, with transition tables: a COPY or a bulk insert of 100,000 rows
raises each hall it touches once, in one ``INSERT ... ON CONFLICT`` (halls in id order, so that two writers
touching the same halls lock their counters in the same order). SQLite has only row triggers: one
``INSERT OR IGNORE`` and one ``UPDATE`` per row.
"""

from __future__ import annotations

from dataclasses import dataclass

EVENTS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Triggers:
    forwards: list[str]
    backwards: list[str]


def hall_version_triggers(
    vendor: str,
    table: str,
    *,
    hall_column: str = "hall_id",
    events: tuple[str, ...] = EVENTS,
    child: tuple[str, str] | None = None,
    changed: tuple[str, ...] = (),
) -> Triggers:
    """The statements that create (and drop) the triggers raising the version of the halls whose rows of
    ``table`` a statement inserts, updates or deletes (``events``).

    A row's hall is its ``hall_column``; for a parent table whose rows name no hall, ``child`` = (child table,
    its column naming the parent): the halls of the child rows of the rows written (a bonus split's halls are
    those of its hall bonuses). ``changed``: the columns whose change matters on UPDATE (all when empty): an
    update that leaves them as they were raises nothing.
    """
    if vendor == "postgresql":
        return _postgresql(table, hall_column, events, child, changed)
    if vendor == "sqlite":
        return _sqlite(table, hall_column, events, child, changed)
    raise NotImplementedError(f"no hall version triggers for {vendor}")


def _trigger_name(table: str, event: str) -> str:
    return f"{table}_hallversion_{event.lower()}"


def _postgresql(
    table: str, hall_column: str, events: tuple[str, ...], child: tuple[str, str] | None, changed: tuple[str, ...]
) -> Triggers:
    function = f"{table}_hallversion_bump"

    def halls_of(rows: str) -> str:
        if child:
            child_table, parent_column = child
            return f"SELECT hall_id FROM {child_table} WHERE {parent_column} IN (SELECT id FROM {rows})"
        return f"SELECT {hall_column} AS hall_id FROM {rows}"

    if changed:
        differ = f"({', '.join(f'n.{c}' for c in changed)}) IS DISTINCT FROM ({', '.join(f'o.{c}' for c in changed)})"
        new_rows = f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {differ}) AS changed_new"
        old_rows = f"(SELECT o.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {differ}) AS changed_old"
    else:
        new_rows, old_rows = "new_rows", "old_rows"
    touched = {
        "INSERT": halls_of("new_rows"),
        "DELETE": halls_of("old_rows"),
        # A row that moves to another hall changes both halls' pages.
        "UPDATE": f"{halls_of(new_rows)} UNION {halls_of(old_rows)}",
    }
    branches = "".join(
        f"""
    IF TG_OP = '{event}' THEN
        INSERT INTO halls_hallversion (hall_id, version)
        SELECT hall_id, 1 FROM ({touched[event]}) AS touched
        WHERE hall_id IS NOT NULL GROUP BY hall_id ORDER BY hall_id
        ON CONFLICT (hall_id) DO UPDATE SET version = halls_hallversion.version + 1;
    END IF;"""
        for event in events
    )
    forwards = [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN{branches}\n"
        f"    RETURN NULL;\nEND\n$$;"
    ]
    referencing = {
        "INSERT": "REFERENCING NEW TABLE AS new_rows",
        "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "REFERENCING OLD TABLE AS old_rows",
    }
    backwards = []
    for event in events:
        name = _trigger_name(table, event)
        # A trigger with transition tables may name one event only: one trigger per event.
        forwards.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
        )
        backwards.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
    backwards.append(f"DROP FUNCTION IF EXISTS {function}();")
    return Triggers(forwards=forwards, backwards=backwards)


def _sqlite(
    table: str, hall_column: str, events: tuple[str, ...], child: tuple[str, str] | None, changed: tuple[str, ...]
) -> Triggers:
    def halls_of(row: str) -> str:
        if child:
            child_table, parent_column = child
            return f"SELECT hall_id FROM {child_table} WHERE {parent_column} = {row}.id"
        return f"SELECT {row}.{hall_column} AS hall_id"

    forwards, backwards = [], []
    for event in events:
        name = _trigger_name(table, event)
        rows = {"INSERT": ["NEW"], "DELETE": ["OLD"], "UPDATE": ["NEW", "OLD"]}[event]
        when = ""
        if event == "UPDATE" and changed:
            when = " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in changed)
        actions = []
        for row in rows:
            halls = halls_of(row)
            actions.append(
                f"INSERT OR IGNORE INTO halls_hallversion (hall_id, version) "
                # Only for a hall that still exists: SQLite's flush (and any cascade) deletes the halls
                # before the rows that name them, and a version row for a deleted hall breaks its key.
                f"SELECT hall_id, 0 FROM ({halls}) WHERE hall_id IN (SELECT id FROM halls_hall);"
            )
            # An update within one hall raises it twice (NEW and OLD): a version only has to change.
            actions.append(f"UPDATE halls_hallversion SET version = version + 1 WHERE hall_id IN ({halls});")
        forwards.append(f"CREATE TRIGGER {name} AFTER {event} ON {table}{when} BEGIN {' '.join(actions)} END;")
        backwards.append(f"DROP TRIGGER IF EXISTS {name};")
    return Triggers(forwards=forwards, backwards=backwards)


def hall_delete_triggers(vendor: str) -> Triggers:
    """The trigger that deletes a hall's version row with the hall. The version triggers of other tables may
    write the row again while the hall's own rows are deleted before it (Django's cascade, SQLite's flush, which
    deletes table by table in no set order): the row must go with the hall, or its key breaks at commit."""
    name = "halls_hall_hallversion_forget"
    if vendor == "postgresql":
        function = f"{name}_fn"
        return Triggers(
            forwards=[
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                "    DELETE FROM halls_hallversion WHERE hall_id IN (SELECT id FROM old_rows);\n"
                "    RETURN NULL;\nEND\n$$;",
                f"CREATE TRIGGER {name} AFTER DELETE ON halls_hall REFERENCING OLD TABLE AS old_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
            ],
            backwards=[f"DROP TRIGGER IF EXISTS {name} ON halls_hall;", f"DROP FUNCTION IF EXISTS {function}();"],
        )
    if vendor == "sqlite":
        return Triggers(
            forwards=[
                f"CREATE TRIGGER {name} AFTER DELETE ON halls_hall "
                "BEGIN DELETE FROM halls_hallversion WHERE hall_id = OLD.id; END;"
            ],
            backwards=[f"DROP TRIGGER IF EXISTS {name};"],
        )
    raise NotImplementedError(f"no hall version triggers for {vendor}")


ORGANISATION_TABLES = ("halls_citycompany", "halls_districtcompany")


def organisation_version_triggers(vendor: str) -> Triggers:
    """The triggers raising :class:`halls.models.OrganisationVersion` (its one row, made when missing) on every
    insert, update and delete of a city or district company."""
    forwards, backwards = [], []
    if vendor == "postgresql":
        function = "halls_organisationversion_bump"
        forwards.append(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            "    INSERT INTO halls_organisationversion (id, version) VALUES (1, 1)\n"
            "    ON CONFLICT (id) DO UPDATE SET version = halls_organisationversion.version + 1;\n"
            "    RETURN NULL;\nEND\n$$;"
        )
        for table in ORGANISATION_TABLES:
            name = f"{table}_orgversion"
            forwards.append(
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
            backwards.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        backwards.append(f"DROP FUNCTION IF EXISTS {function}();")
        return Triggers(forwards=forwards, backwards=backwards)
    if vendor == "sqlite":
        for table in ORGANISATION_TABLES:
            for event in EVENTS:
                name = f"{table}_orgversion_{event.lower()}"
                forwards.append(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                    "INSERT OR IGNORE INTO halls_organisationversion (id, version) VALUES (1, 0); "
                    "UPDATE halls_organisationversion SET version = version + 1 WHERE id = 1; END;"
                )
                backwards.append(f"DROP TRIGGER IF EXISTS {name};")
        return Triggers(forwards=forwards, backwards=backwards)
    raise NotImplementedError(f"no organisation version triggers for {vendor}")


def run_sql(forwards: list[tuple[str, dict]]):
    """A migration operation creating the triggers ``forwards`` lists ((table, keyword arguments of
    :func:`hall_version_triggers`)) for the database the migration runs on, and dropping them backwards."""
    from django.db import migrations

    def create(apps, schema_editor):
        for table, options in forwards:
            for statement in hall_version_triggers(schema_editor.connection.vendor, table, **options).forwards:
                schema_editor.execute(statement, params=None)

    def drop(apps, schema_editor):
        for table, options in forwards:
            for statement in hall_version_triggers(schema_editor.connection.vendor, table, **options).backwards:
                schema_editor.execute(statement, params=None)

    return migrations.RunPython(create, drop)
