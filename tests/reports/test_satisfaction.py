"""Satisfaction: the six dimensions in the archive, the warning and the driver analysis, each against a
small hand-computed case.

The province (the ``world`` of tests/conftest.py): one city, districts A (halls a1, a2) and B (b1, b2).
One customer survey on a 10-point scale with two dimensions, ENV (环境舒适) and WAIT (等候时间); every
figure is score / 10 × 100.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.selectors.satisfaction import hall_satisfaction, satisfaction_drivers, satisfaction_warnings
from scoring.services import default_policy_load
from surveys.models import SurveyAnswer, SurveyDimension, SurveyResponse
from tests.factories import CityFactory, DistrictFactory, HallFactory, city_manager, hq_user
from tests.surveys.factories import SurveyFactory, survey_response_stored

FEB, MARCH = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture
def survey(db):
    survey = SurveyFactory(scale_max=10)
    SurveyDimension.objects.create(survey=survey, code="ENV", name_zh="环境舒适", name_en="Environment", order=1)
    SurveyDimension.objects.create(survey=survey, code="WAIT", name_zh="等候时间", name_en="Waiting", order=2)
    default_policy_load()  # warning line 80, drop limit 5 points
    return survey


def answer(survey, hall, month, overall, **scores):
    response = survey_response_stored(
        survey=survey,
        hall=hall,
        external_id=f"R{SurveyResponse.objects.count() + 1}",
        responded_at=timezone.make_aware(dt.datetime(month.year, month.month, 5, 10)),
        month=month,
        overall=Decimal(str(overall)),
    )
    dimensions = {d.code: d for d in survey.dimensions.all()}
    for code, score in scores.items():
        SurveyAnswer.objects.create(response=response, dimension=dimensions[code], score=Decimal(str(score)))


@pytest.fixture
def march(world, survey):
    """a1: February one customer (9; ENV 9, WAIT 8), March two (8; 9, 6) and (6; 7, 4).
    a2: March one customer (9; ENV 10, WAIT 8)."""
    answer(survey, world.hall_a1, FEB, 9, ENV=9, WAIT=8)
    answer(survey, world.hall_a1, MARCH, 8, ENV=9, WAIT=6)
    answer(survey, world.hall_a1, MARCH, 6, ENV=7, WAIT=4)
    answer(survey, world.hall_a2, MARCH, 9, ENV=10, WAIT=8)
    return world


def test_the_archive_shows_each_dimension_against_the_city_and_last_month(march):
    figures = hall_satisfaction(hall=march.hall_a1, month=MARCH)
    # index (8 + 6) / 2 × 10 = 70.0; last month 9 × 10 = 90.0; city (8 + 6 + 9) / 3 × 10 = 76.7
    assert (figures.index, figures.previous_index, figures.city_index) == (70.0, 90.0, 76.7)
    by_code = {d["code"]: d for d in figures.dimensions}
    # ENV (9 + 7) / 2 × 10 = 80.0, February 90.0, city (9 + 7 + 10) / 3 × 10 = 86.7
    assert (by_code["ENV"]["hall"], by_code["ENV"]["previous"], by_code["ENV"]["city"]) == (80.0, 90.0, 86.7)
    # WAIT (6 + 4) / 2 × 10 = 50.0, February 80.0, city (6 + 4 + 8) / 3 × 10 = 60.0
    assert (by_code["WAIT"]["hall"], by_code["WAIT"]["previous"], by_code["WAIT"]["city"]) == (50.0, 80.0, 60.0)
    index_series = figures.trend["series"][0]["data"]
    assert index_series[-2:] == [90.0, 70.0] and len(index_series) == 12


def test_the_hall_page_shows_the_satisfaction_section(client, march):
    client.force_login(march.manager_a1)
    page = client.get(reverse("halls:detail", args=[march.hall_a1.pk])).content.decode()
    assert 'id="hall-satisfaction"' in page and "satisfaction-trend-data" in page
    assert '<tr data-code="WAIT"><td>等候时间</td><td class="text-end">50.0</td>' in page


def test_a_hall_below_the_line_or_falling_more_than_the_limit_is_warned(march):
    halls = [march.hall_a1, march.hall_a2, march.hall_b1]
    lines = satisfaction_warnings(halls=halls, month=MARCH)
    found = [(line["hall"], line["code"], line["score"], line["below"], line["dropped"]) for line in lines]
    assert found == [
        # WAIT 50.0 < 80 and down 80.0 − 50.0 = 30 > 5
        (march.hall_a1, "WAIT", 50.0, True, True),
        # index 70.0 < 80 and down 90.0 − 70.0 = 20 > 5
        (march.hall_a1, "", 70.0, True, True),
        # ENV 80.0 is not below 80, but down 90.0 − 80.0 = 10 > 5
        (march.hall_a1, "ENV", 80.0, False, True),
    ]  # a2 (index 90, ENV 100, WAIT 80) has nothing to warn about; b1 has no answers


def test_the_warning_follows_the_policy_figures(march):
    from halls.models import GradingPolicy

    GradingPolicy.objects.update(satisfaction_warning_below=Decimal("60"), satisfaction_warning_drop=Decimal("25"))
    lines = satisfaction_warnings(halls=[march.hall_a1], month=MARCH)
    # Only WAIT: 50.0 < 60 and down 30 > 25; the index (70, down 20) and ENV (80, down 10) pass.
    assert [(line["code"], line["below"], line["dropped"]) for line in lines] == [("WAIT", True, True)]


def test_the_district_home_lists_its_warnings_only(client, march):
    client.force_login(march.district_a)
    page = client.get(reverse("scoring:district_home")).content.decode()
    assert page.count(f'data-hall="{march.hall_a1.code}" data-code=') == 3
    client.force_login(march.district_b)
    page = client.get(reverse("scoring:district_home")).content.decode()
    assert f'data-hall="{march.hall_a1.code}" data-code=' not in page


def test_simple_drivers_are_correlations_with_their_fisher_interval(world, survey):
    """Four halls, one customer each: (overall, ENV) = (6, 5), (7, 7), (8, 6), (9, 8); WAIT 7 everywhere."""
    halls = [world.hall_a1, world.hall_a2, world.hall_b1, world.hall_b2]
    for hall, (overall, env) in zip(halls, [(6, 5), (7, 7), (8, 6), (9, 8)], strict=True):
        answer(survey, hall, MARCH, overall, ENV=env, WAIT=7)
    analysis = satisfaction_drivers(city_id=world.hall_a1.district.city_id, month=MARCH)
    # index 60, 70, 80, 90 (mean 75), ENV 50, 70, 60, 80 (mean 65):
    # Σdx·dy = 225 − 25 − 25 + 225 = 400, Σdx² = Σdy² = 500, r = 400 / 500 = 0.8
    # Fisher: z = atanh(0.8) = 1.09861, se = 1 / √(4 − 3) = 1, z ∓ 1.95996 = [−0.86135, 3.05857],
    # tanh → [−0.697, 0.996]; t = 0.8 × √2 / √(1 − 0.64) = 1.8856 on 2 df: p = 0.200
    assert analysis.halls == 4
    assert [row["code"] for row in analysis.simple] == ["ENV"]  # WAIT does not vary: no slope
    env = analysis.simple[0]
    assert env["r"] == pytest.approx(0.8, abs=1e-3)
    assert (env["low"], env["high"]) == (pytest.approx(-0.697, abs=1e-3), pytest.approx(0.996, abs=1e-3))
    assert env["p"] == pytest.approx(0.2, abs=1e-3)
    assert env["mean"] == 65.0
    assert analysis.joint == []  # four halls are too few for the joint model


def test_the_joint_model_recovers_an_exact_driver(world, survey):
    """Ten halls of one city whose index equals their ENV score exactly, WAIT unrelated: β_ENV = 1, β_WAIT = 0,
    R² = 1."""
    city = world.hall_a1.district.city
    halls = [HallFactory(district=DistrictFactory(city=city)) for _ in range(10)]
    waits = [5, 9, 6, 8, 7, 5, 9, 6, 8, 7]
    for i, hall in enumerate(halls):
        answer(survey, hall, MARCH, i % 5 + 5 + (i // 5) * 0.5, ENV=i % 5 + 5 + (i // 5) * 0.5, WAIT=waits[i])
    analysis = satisfaction_drivers(city_id=city.pk, month=MARCH)
    joint = {row["code"]: row for row in analysis.joint}
    assert analysis.halls == 10
    assert joint["ENV"]["beta"] == pytest.approx(1.0, abs=1e-3)
    assert joint["WAIT"]["beta"] == pytest.approx(0.0, abs=1e-3)
    assert analysis.r_squared == pytest.approx(1.0, abs=1e-3)


def test_the_driver_page_states_the_method_and_keeps_a_city_to_its_own(client, march):
    own = city_manager(march.hall_a1.district.city, username="cm_own")
    other = city_manager(CityFactory(), username="cm_other")
    client.force_login(own)
    page = client.get(reverse("scoring:satisfaction_drivers")).content.decode()
    assert 'id="drivers-method"' in page and "statsmodels" in page
    client.force_login(other)
    page = client.get(reverse("scoring:satisfaction_drivers"), {"city": march.hall_a1.district.city_id}).content
    assert march.hall_a1.district.city.name not in page.decode().split('id="drivers-filter"')[0]


def test_the_driver_page_of_an_empty_province_says_there_is_no_data(client, db):
    client.force_login(hq_user(username="hq_alone"))  # no city, no survey yet
    response = client.get(reverse("scoring:satisfaction_drivers"))
    assert response.status_code == 200 and "暂无满意度调查数据。" in response.content.decode()


@pytest.mark.django_db
def test_the_citys_satisfaction_frames_are_read_once_for_all_its_halls_and_anew_after_an_import(
    django_assert_num_queries,
):
    """Every hall of a city compares itself with the same city figures: the second hall's page reads only the
    stamp (the newest response and hall change, one query); a new response changes the stamp, and the figures
    are read again."""
    from django.core.cache import cache

    from scoring.selectors.satisfaction import _city_frames
    from tests.factories import HallFactory
    from tests.surveys.factories import SurveyResponseFactory

    cache.clear()
    hall = HallFactory()
    months = [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    response = SurveyResponseFactory(hall=hall, month=months[1])
    with django_assert_num_queries(3):  # the stamp, two frames
        first = _city_frames(city_id=hall.district.city_id, months=months)
    with django_assert_num_queries(1):  # the stamp only
        again = _city_frames(city_id=hall.district.city_id, months=months)
    assert again[1].equals(first[1]) and len(first[1]) == 1
    SurveyResponseFactory(hall=HallFactory(district=hall.district), month=months[1], survey=response.survey)
    with django_assert_num_queries(3):
        after = _city_frames(city_id=hall.district.city_id, months=months)
    assert len(after[1]) == 2
