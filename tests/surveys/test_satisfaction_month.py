"""The per-hall monthly satisfaction aggregate (SatisfactionMonth) always equals a recomputation from the
responses, whatever wrote them: an import, a re-import of the same file, a rejected file, a response entered
by hand, the migration's backfill; and the index read from it is the mean over the responses."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.models import ImportKind, ImportState, SatisfactionMonth, SurveyResponse
from surveys.selectors import satisfaction_index_frame
from surveys.services.responses import survey_response_create
from tests.surveys.files import xlsx_bytes

DIMS = ["ENV", "ORDER", "WAIT", "ACCURACY", "ATTITUDE", "NEEDS"]
HEADER = ["问卷编号", "营业厅编码", "填写时间", "手机号", *DIMS, "总体评分", "意见"]
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
WHEN = {MARCH: "2026-03-10 15:00", APRIL: "2026-04-02 09:00"}


def row(code, hall, overall, month=MARCH):
    return [code, hall.code, WHEN[month], "13812341234", *["8"] * 6, str(overall), ""]


def stored() -> list[tuple]:
    return sorted(SatisfactionMonth.objects.values_list("month", "hall_id", "survey_id", "responses", "overall_sum"))


def recomputed() -> list[tuple]:
    """The aggregate as it must be: counted and summed over every stored response."""
    return sorted(
        SurveyResponse.objects.values_list("month", "hall_id", "survey_id")
        .annotate(responses=Count("pk"), overall_sum=Sum("overall"))
        .order_by()
    )


@pytest.fixture
def import_responses(surveys, run_import):
    def run(rows, name="csat.xlsx"):
        return run_import(
            ImportKind.SURVEY_RESPONSES, name, xlsx_bytes([HEADER, *rows]), params={"survey_id": surveys["CSAT"].pk}
        )

    return run


def test_an_import_adds_its_responses_to_the_hall_months_they_belong_to(world, surveys, import_responses):
    a1, b1 = world.hall_a1, world.hall_b1
    batch = import_responses([row("Q1", a1, "10"), row("Q2", a1, "7.5"), row("Q3", b1, "6"), row("Q4", a1, "9", APRIL)])
    assert batch.state == ImportState.SUCCEEDED, batch.errors
    csat = surveys["CSAT"].pk
    # a1 March: 10 + 7.5 = 17.5 over 2; b1 March: 6 over 1; a1 April: 9 over 1
    assert stored() == sorted(
        [
            (MARCH, a1.pk, csat, 2, Decimal("17.5")),
            (MARCH, b1.pk, csat, 1, Decimal("6.0")),
            (APRIL, a1.pk, csat, 1, Decimal("9.0")),
        ]
    )


def test_a_second_file_for_the_same_month_adds_to_the_rows_the_first_made(world, surveys, import_responses):
    import_responses([row("Q1", world.hall_a1, "10"), row("Q2", world.hall_a1, "8")], name="a.xlsx")
    import_responses([row("Q3", world.hall_a1, "3"), row("Q4", world.hall_b1, "5")], name="b.xlsx")
    # a1 March: 10 + 8 + 3 = 21 over 3
    assert SatisfactionMonth.objects.get(hall=world.hall_a1, month=MARCH).overall_sum == Decimal("21.0")
    assert SatisfactionMonth.objects.get(hall=world.hall_a1, month=MARCH).responses == 3
    assert stored() == recomputed()


def test_reimporting_the_same_file_leaves_the_aggregate_as_it_was(world, import_responses):
    rows = [row("Q1", world.hall_a1, "10"), row("Q2", world.hall_b1, "4")]
    import_responses(rows)
    before = stored()
    again = import_responses([*rows, row("Q3", world.hall_b1, "9")])  # two rows skipped, one new
    assert (again.rows_created, again.rows_skipped) == (1, 2)
    assert stored() == recomputed()
    # b1 March: 4 + 9 = 13 over 2; a1 as before
    assert SatisfactionMonth.objects.get(hall=world.hall_b1).overall_sum == Decimal("13.0")
    assert [entry for entry in stored() if entry[1] == world.hall_a1.pk] == [
        entry for entry in before if entry[1] == world.hall_a1.pk
    ]


def test_a_rejected_file_changes_nothing_in_the_aggregate(world, import_responses):
    import_responses([row("Q1", world.hall_a1, "10")])
    before = stored()
    batch = import_responses([row("Q2", world.hall_a1, "8"), row("Q3", world.hall_b1, "11")])  # 11 > scale
    assert batch.state == ImportState.REJECTED
    assert stored() == before == recomputed()


def test_a_file_whose_aggregate_write_fails_leaves_neither_responses_nor_aggregate(
    world, import_responses, monkeypatch
):
    import_responses([row("Q1", world.hall_a1, "10")])
    before = stored()

    def refused(**kwargs):
        raise IntegrityError("refused")

    monkeypatch.setattr("surveys.imports.kinds.surveys.satisfaction_months_add", refused)
    batch = import_responses([row("Q2", world.hall_a1, "8")])
    assert batch.state == ImportState.FAILED
    assert SurveyResponse.objects.count() == 1
    assert stored() == before


def test_a_response_entered_by_hand_is_counted(world, surveys):
    survey_response_create(
        survey_id=surveys["CSAT"].pk,
        values={"hall_code": world.hall_a1.code, "responded_at": "2026-03-05 10:00", "overall": "7",
                **{f"dim:{code}": "7" for code in DIMS}},
    )  # fmt: skip
    assert stored() == [(MARCH, world.hall_a1.pk, surveys["CSAT"].pk, 1, Decimal("7.0"))]


def test_the_migration_backfill_rebuilds_the_aggregate_from_the_responses(world, import_responses):
    import_responses([row("Q1", world.hall_a1, "10"), row("Q2", world.hall_a1, "6.5", APRIL)])
    before = stored()
    backfill = importlib.import_module("surveys.migrations.0008_satisfaction_month").BACKFILL
    SatisfactionMonth.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert stored() == before == recomputed()


def test_the_database_refuses_a_second_row_or_a_negative_count(world, surveys):
    fields = {"month": MARCH, "hall": world.hall_a1, "survey": surveys["CSAT"]}
    SatisfactionMonth.objects.create(**fields, responses=1, overall_sum=Decimal("5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionMonth.objects.create(**fields, responses=1, overall_sum=Decimal("5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionMonth.objects.filter(**fields).update(responses=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionMonth.objects.filter(**fields).update(overall_sum=Decimal("-0.5"))


files = st.lists(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=8),  # questionnaire number: repeats are skipped as existing
            st.sampled_from(["hall_a1", "hall_a2", "hall_b1"]),
            st.sampled_from([MARCH, APRIL]),
            st.integers(min_value=0, max_value=20).map(lambda halves: Decimal(halves) / 2),
            st.booleans(),  # a bad score that rejects the whole file
        ),
        min_size=1,
        max_size=5,
    ),
    min_size=1,
    max_size=3,
)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=files)
def test_any_sequence_of_imports_keeps_the_aggregate_equal_to_the_responses(world, surveys, import_responses, files):
    with transaction.atomic():
        for number, lines in enumerate(files):
            rows, seen = [], set()
            for code, hall, month, overall, bad in lines:
                if code in seen:  # a questionnaire twice in one file is an error of its own; keep files clean
                    continue
                seen.add(code)
                rows.append(row(f"Q{code}", getattr(world, hall), "12" if bad else overall, month))
            import_responses(rows, name=f"f{number}.xlsx")
        assert stored() == recomputed()
        for month in (MARCH, APRIL):
            index = satisfaction_index_frame(month=month).set_index("hall_id")["index"].to_dict()
            expected = {}
            for hall_id in set(SurveyResponse.objects.filter(month=month).values_list("hall_id", flat=True)):
                scores = list(
                    SurveyResponse.objects.filter(month=month, hall_id=hall_id).values_list("overall", flat=True)
                )
                expected[hall_id] = pytest.approx(float(sum(scores) / len(scores) / 10 * 100), abs=0.005)
            assert index == expected
        transaction.set_rollback(True)
