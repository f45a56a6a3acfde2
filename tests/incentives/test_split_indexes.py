"""The split's row tables are written 150,000 rows at a time: each index on them is paid per row. Their lookups by
split go through the unique constraint that leads with it, not through an index of their own."""

from __future__ import annotations

import pytest
from django.db import connection

from incentives.models import HallBonus, StaffBonus, UnitBonus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [UnitBonus, HallBonus, StaffBonus], ids=lambda m: m.__name__)
def test_split_lookups_go_through_the_unique_constraint_and_no_second_index_on_split(model):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    leading_split = {
        name: info
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and info["columns"][:1] == ["split_id"]
    }
    assert len(leading_split) == 1, leading_split
    (info,) = leading_split.values()
    assert info["unique"] and len(info["columns"]) == 2
