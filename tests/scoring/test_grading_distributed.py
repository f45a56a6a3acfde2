"""Grading across workers (one chunk per city, then one ranking step) gives the very rows the
single-process run gives: same composites to the cent, same ranks, grades and statuses."""

from __future__ import annotations

import hashlib

import pytest
from django.db.models import F
from django.utils import translation

from scoring.models import GradingChunk, GradingPolicy, GradingRun, HallMonthResult, RankingGroup, RunState
from scoring.services import default_policy_load, grade_month, grade_month_distributed, month_publish
from scoring.services.distributed import grading_chunk_compute, grading_chunks_finish, grading_run_launch
from scoring.services.grading import grading_run_start
from tests.scoring.conftest import FEB, JAN, MAR
from tests.scoring.factories import province_generate

pytestmark = pytest.mark.django_db

RESULT_FIELDS = [f.name for f in HallMonthResult._meta.fields if f.name not in ("id", "run")]


def result_rows(run: GradingRun) -> list[tuple]:
    return list(HallMonthResult.objects.filter(run=run).order_by("hall_id").values_list(*RESULT_FIELDS))


def checksum(run: GradingRun) -> str:
    return hashlib.sha256(repr(result_rows(run)).encode()).hexdigest()


def test_distributed_grading_of_the_hand_computed_province_equals_the_single_process_run(province):
    for month in (JAN, FEB, MAR):
        single = result_rows(grade_month(month=month, user=province.hq))
        run = grade_month_distributed(month=month, user=province.hq)  # the same draft revision, again
        assert run.state == RunState.DRAFT, run.message
        assert result_rows(run) == single
        assert not GradingChunk.objects.filter(run=run).exists()  # the staging rows went with the write
        month_publish(month=month, user=province.hq)
    # Spot check against the hand computation: March, h2 = 38 + 27 + 19 + 10 = 94.00, first, exempt.
    h2 = HallMonthResult.objects.get(run=run, hall=province.halls[2])
    assert (str(h2.composite), h2.rank_city, h2.next_status) == ("94.00", 1, "exempt")


@pytest.fixture
def generated(db):
    from inspections.services.tree import default_tree_load

    scheme, _ = default_tree_load()
    default_policy_load()
    return province_generate(halls=200, cities=4, months=[JAN, FEB], scheme=scheme)


def test_distributed_grading_of_a_generated_province_equals_the_single_process_run(generated):
    # January graded and published the ordinary way, so February's statuses depend on a history.
    grade_month(month=JAN)
    month_publish(month=JAN)
    single = grade_month(month=FEB)
    single_rows, single_sum = result_rows(single), checksum(single)
    run = grade_month_distributed(month=FEB)
    assert run.pk == single.pk and run.state == RunState.DRAFT
    assert checksum(run) == single_sum
    assert result_rows(run) == single_rows
    assert len(single_rows) == 200
    # The province exercises what it should: four cities, ties, ungraded halls, statuses from January.
    results = HallMonthResult.objects.filter(run=run)
    assert results.values("city_size").distinct().count() >= 2
    assert results.filter(graded=False).exists()
    assert results.exclude(status="normal").exists()
    assert results.filter(graded=True).count() > results.filter(graded=True).values("composite").distinct().count()


def test_distributed_grading_by_city_and_hall_kind_equals_the_single_process_run(generated):
    GradingPolicy.objects.update(ranking_group=RankingGroup.CITY_KIND)
    grade_month(month=JAN)
    month_publish(month=JAN)
    single = grade_month(month=FEB)
    single_rows = result_rows(single)
    run = grade_month_distributed(month=FEB)
    assert run.state == RunState.DRAFT and result_rows(run) == single_rows
    # Four cities × two kinds: the groups are smaller than the cities, and every result says so.
    results = HallMonthResult.objects.filter(run=run, graded=True)
    assert set(results.values_list("ranking_group", flat=True)) == {RankingGroup.CITY_KIND}
    assert results.values("group_size").distinct().count() > results.values("city_size").distinct().count()
    assert not results.filter(group_size__gte=F("city_size")).exists()
    # Each of the 8 groups (city × kind) has its own top share.
    assert results.filter(in_top_share=True).values("hall__district__city_id", "hall__kind").distinct().count() == 8


def test_the_grading_task_fans_out_per_city_when_the_setting_says_so(generated, settings):
    settings.HALLQ_GRADING_CHUNKS = "city"
    single = checksum(grade_month(month=JAN))
    run = grading_run_start(month=JAN)
    from scoring.tasks import grade_month_task

    seen = []
    original = grading_chunk_compute

    def spy(**kwargs):
        seen.append(kwargs["city_id"])
        return original(**kwargs)

    import scoring.services.distributed as distributed

    distributed_compute = distributed.grading_chunk_compute
    distributed.grading_chunk_compute = spy
    try:
        grade_month_task.delay(run.pk)
    finally:
        distributed.grading_chunk_compute = distributed_compute
    run.refresh_from_db()
    assert run.state == RunState.DRAFT and checksum(run) == single
    assert len(seen) == 4 == len(set(seen))


def test_a_redelivered_chunk_rewrites_its_row_and_a_late_finish_step_changes_nothing(generated):
    from scoring.services.distributed import _attempt_key
    from scoring.services.evidence import cities_open

    single = checksum(grade_month(month=JAN))
    run = grading_run_start(month=JAN)
    attempt = _attempt_key(run)
    cities = cities_open(month=JAN)
    for city_id in cities + cities[:1]:  # the first city's message delivered twice
        grading_chunk_compute(run_id=run.pk, city_id=city_id, attempt=attempt)
    assert GradingChunk.objects.filter(run=run).count() == len(cities)
    grading_chunks_finish(run_id=run.pk, attempt=attempt)
    assert checksum(run) == single
    # A second delivery of the finish step, or of a chunk, finds the run finished and leaves it alone.
    assert grading_chunks_finish(run_id=run.pk, attempt=attempt) is None
    assert grading_chunk_compute(run_id=run.pk, city_id=cities[0], attempt=attempt) == 0
    assert checksum(run) == single and not GradingChunk.objects.exists()


def test_the_finish_step_waits_for_a_missing_city_and_fails_the_run_when_it_never_comes(generated):
    from scoring.services.distributed import ChunksMissing, _attempt_key
    from scoring.services.evidence import cities_open

    run = grading_run_start(month=JAN)
    attempt = _attempt_key(run)
    for city_id in cities_open(month=JAN)[1:]:
        grading_chunk_compute(run_id=run.pk, city_id=city_id, attempt=attempt)
    with pytest.raises(ChunksMissing):
        grading_chunks_finish(run_id=run.pk, attempt=attempt)
    run.refresh_from_db()
    # The cities done have their rows written, but the run is still running, which no page reads.
    assert run.state == RunState.RUNNING
    assert (
        HallMonthResult.objects.filter(run=run).count()
        == HallMonthResult.objects.filter(run=run, hall__district__city_id__in=cities_open(month=JAN)[1:]).count()
        > 0
    )
    with pytest.raises(Exception, match="1 个城市"):
        grading_chunks_finish(run_id=run.pk, attempt=attempt, final=True)
    run.refresh_from_db()
    # A failed run keeps none of the rows its chunks wrote, nor their marks.
    assert run.state == RunState.FAILED and not HallMonthResult.objects.filter(run=run).exists()
    assert not GradingChunk.objects.filter(run=run).exists()
    with translation.override("en"):  # stored as the msgid and its figure: each reader sees it in his language
        assert run.message_text == "Cities whose results did not arrive: 1; grading was not completed"
    assert run.message_text == "有 1 个城市的分块结果未到，评定未完成"


def test_chunks_of_an_earlier_attempt_are_never_read(generated, settings):
    from scoring.services.distributed import _attempt_key
    from scoring.services.evidence import cities_open

    settings.HALLQ_GRADING_CHUNKS = "city"
    single = checksum(grade_month(month=JAN))
    run = grading_run_start(month=JAN)
    old = _attempt_key(run)
    for city_id in cities_open(month=JAN):
        grading_chunk_compute(run_id=run.pk, city_id=city_id, attempt=old)
    GradingRun.objects.filter(pk=run.pk).update(state=RunState.FAILED)
    restarted = grading_run_start(month=JAN)  # the failed revision is reused, with a new start time
    assert restarted.pk == run.pk and _attempt_key(restarted) != old
    # A message of the old attempt delivered now does nothing.
    assert grading_chunk_compute(run_id=run.pk, city_id=cities_open(month=JAN)[0], attempt=old) == 0
    grading_run_launch(run_id=run.pk)
    restarted.refresh_from_db()
    assert restarted.state == RunState.DRAFT and checksum(restarted) == single
    assert not GradingChunk.objects.exists()


def test_grade_month_command_grades_across_workers_with_distributed(generated):
    from io import StringIO

    from django.core.management import call_command

    single = checksum(grade_month(month=JAN))
    out = StringIO()
    call_command("grade_month", "2026-01", "--distributed", stdout=out)
    assert "graded" in out.getvalue()
    assert checksum(GradingRun.objects.get(month=JAN, is_what_if=False)) == single


def test_a_chunk_that_fails_fails_the_run_and_drops_the_rows_of_the_cities_already_written(generated, monkeypatch):
    from scoring.services import distributed
    from scoring.services.evidence import cities_open

    run = grading_run_start(month=JAN)
    attempt = distributed._attempt_key(run)
    first, second, *_ = cities_open(month=JAN)
    grading_chunk_compute(run_id=run.pk, city_id=first, attempt=attempt)
    assert HallMonthResult.objects.filter(run=run).exists()

    def broken(**_kwargs):
        raise RuntimeError("the city's evidence could not be read")

    monkeypatch.setattr(distributed, "grading_city_results", broken)
    with pytest.raises(RuntimeError):
        grading_chunk_compute(run_id=run.pk, city_id=second, attempt=attempt)
    run.refresh_from_db()
    assert run.state == RunState.FAILED
    assert not HallMonthResult.objects.filter(run=run).exists() and not GradingChunk.objects.exists()


def test_a_draft_regraded_across_workers_keeps_no_row_of_its_earlier_grading(generated):
    # A city whose halls have all closed since January's draft has no chunk in the re-grading: the rows
    # it had in the draft must still go (the dispatch clears the run before the chunks write).
    from halls.models import Hall
    from scoring.services.evidence import cities_open

    city = cities_open(month=JAN)[0]
    in_city = Hall.objects.filter(district__city_id=city)
    first = grade_month(month=JAN)
    assert HallMonthResult.objects.filter(run=first, hall__in=in_city).exists()
    in_city.update(closed_on=JAN)
    single = result_rows(grade_month(month=JAN))
    in_city.update(closed_on=None)
    grade_month(month=JAN)  # the draft holds the city's rows again
    in_city.update(closed_on=JAN)
    run = grade_month_distributed(month=JAN)
    assert run.pk == first.pk and run.state == RunState.DRAFT
    assert city not in cities_open(month=JAN)
    assert result_rows(run) == single
    assert not HallMonthResult.objects.filter(run=run, hall__in=in_city).exists()
    assert run.halls_graded + run.halls_not_graded == len(single)


def test_regrading_a_published_month_across_workers_records_the_changes_the_single_process_records(generated):
    from scoring.models import ResultChange

    grade_month(month=JAN)
    month_publish(month=JAN)
    # A stricter policy since publication: grades (C from 75 up) and composites (complaints cost more) move.
    GradingPolicy.objects.update(grade_c_min=75, complaint_penalty=F("complaint_penalty") + 7)
    single = grade_month(month=JAN, reason="复核")

    def changes(run):
        return sorted(ResultChange.objects.filter(run=run).values_list("hall_id", "field", "before", "after"))

    expected = changes(single)
    assert {field for _hall, field, _before, _after in expected} >= {"grade", "composite"}
    run = grade_month_distributed(month=JAN, reason="复核")  # the same draft revision, re-graded per city
    assert run.pk == single.pk and run.state == RunState.DRAFT
    assert changes(run) == expected
