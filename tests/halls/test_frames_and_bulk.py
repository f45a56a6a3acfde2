"""The bulk read and write helpers grading relies on: a values() queryset read straight into a frame gives
what the ORM gives, and money written as text rounds as Python's round() does."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Cast
from hypothesis import given
from hypothesis import strategies as st

from halls.bulk import cents_text, columns_insert
from halls.frames import queryset_frame
from halls.models import Hall, MarketingUnit
from tests.factories import CityFactory


@pytest.mark.django_db
def test_a_values_queryset_read_into_a_frame_has_the_orm_rows_and_named_columns(world):
    halls = (
        Hall.objects.values("kind", city=F("district__code"))
        .annotate(halls=Count("pk"), ids=Cast(Sum("pk"), FloatField()))
        .order_by("kind", "city")
    )
    frame = queryset_frame(halls)
    assert list(frame.columns) == ["kind", "city", "halls", "ids"]
    expected = [(row["kind"], row["city"], row["halls"], float(row["ids"])) for row in halls]
    assert list(frame.itertuples(index=False, name=None)) == expected
    assert len(expected) >= 2


@pytest.mark.django_db
def test_a_queryset_that_can_match_nothing_gives_an_empty_frame_with_its_columns(world):
    frame = queryset_frame(Hall.objects.filter(pk__in=[]).values("code").annotate(n=Count("pk")))
    assert frame.empty
    assert list(frame.columns) == ["code", "n"]


def test_only_values_querysets_are_read_into_frames():
    with pytest.raises(ValueError):
        queryset_frame(Hall.objects.all())


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_cents_text_rounds_as_python_round_and_never_writes_minus_zero(value):
    (text,) = cents_text(pd.Series([value]))
    expected = f"{round(value, 2) + 0.0:.2f}"
    assert text == expected
    assert text != "-0.00"


def test_cents_text_leaves_a_missing_value_null_and_keeps_cents_exact():
    assert cents_text(pd.Series([math.nan, 84.995, 0.125, -0.001, 2.675])) == [None, "85.00", "0.12", "0.00", "2.67"]


@pytest.mark.django_db
def test_columns_insert_writes_each_row_with_its_text_exactly_as_given():
    """Rows given column by column; a value holding COPY's separators (tab, newline, backslash) is escaped."""
    city = CityFactory()
    names = ["plain 营销单元", "tab\there", "line\nbreak", "back\\slash\\N", "carriage\rreturn"]

    columns_insert(
        MarketingUnit,
        {"city_id": [city.pk] * len(names), "code": [f"CI{i}" for i in range(len(names))], "name": names},
    )

    stored = dict(MarketingUnit.objects.filter(code__startswith="CI").values_list("code", "name"))
    assert stored == {f"CI{i}": name for i, name in enumerate(names)}


@pytest.mark.django_db
def test_columns_insert_of_no_row_writes_nothing():
    columns_insert(MarketingUnit, {"city_id": [], "code": [], "name": []})
    assert not MarketingUnit.objects.filter(code__startswith="CI").exists()
