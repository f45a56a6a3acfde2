"""The default coefficient table comes with the migrations, so a fresh install can split without demo data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incentives.models import CoefficientTable
from incentives.selectors import coefficients_in_force
from incentives.services import DEFAULT_COEFFICIENTS_EFFECTIVE_FROM

BEFORE = ("incentives", "0001_bonus_split")  # the migration before the one that installs the defaults


def _migrate_back_and_forth() -> None:
    """Unapply the defaults' migration, then migrate everything to the latest again."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)  # migrations run outside a test transaction (SQLite's schema editor)
def test_the_default_coefficient_table_exists_after_migrations():
    CoefficientTable.objects.all().delete()
    _migrate_back_and_forth()
    table = CoefficientTable.objects.get()
    assert (table.version, table.effective_from) == (1, DEFAULT_COEFFICIENTS_EFFECTIVE_FROM)
    assert (table.grade_a, table.grade_b, table.grade_c, table.grade_d) == (
        Decimal("1.20"), Decimal("1.00"), Decimal("0.80"), Decimal("0.50"),
    )  # fmt: skip
    assert (table.supervised, table.vetoed, table.not_graded) == (Decimal("0"), Decimal("0"), Decimal("0"))
    assert coefficients_in_force(month=dt.date(2026, 3, 1)) == table


@pytest.mark.django_db(transaction=True)
def test_the_migration_leaves_an_existing_table_alone():
    CoefficientTable.objects.all().delete()
    own = CoefficientTable.objects.create(version=7, effective_from=dt.date(2024, 1, 1), grade_a=Decimal("1.50"))
    _migrate_back_and_forth()
    assert list(CoefficientTable.objects.all()) == [own]
