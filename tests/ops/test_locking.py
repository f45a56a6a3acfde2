"""Optimistic locking: of two people saving the same loaded version, the second is refused, nothing lost."""

from __future__ import annotations

from decimal import Decimal

import pytest

from halls.locking import CONFLICT_MESSAGE, ConflictError, save_with_version, update_with_version
from scoring.models import GradingPolicy, PolicyState
from scoring.services import default_policy_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy() -> GradingPolicy:
    return default_policy_load()[0]


def test_a_save_with_the_current_version_writes_and_bumps_the_version(policy):
    assert update_with_version(GradingPolicy, policy.pk, 0, bonus_cap=Decimal("4")) == 1
    policy.refresh_from_db()
    assert (policy.bonus_cap, policy.lock_version) == (Decimal("4.00"), 1)


def test_the_second_of_two_saves_from_the_same_version_gets_a_clear_conflict_and_the_first_stays(policy):
    loaded_by_a = loaded_by_b = policy.lock_version  # both opened the edit page at version 0
    update_with_version(GradingPolicy.objects, policy.pk, loaded_by_a, bonus_cap=Decimal("4"))
    with pytest.raises(ConflictError) as excinfo:
        update_with_version(GradingPolicy.objects, policy.pk, loaded_by_b, bonus_cap=Decimal("3"))
    assert str(excinfo.value) == CONFLICT_MESSAGE
    assert "已被其他人修改" in CONFLICT_MESSAGE and "未保存" in CONFLICT_MESSAGE
    assert excinfo.value.current_version == 1
    policy.refresh_from_db()
    assert (policy.bonus_cap, policy.lock_version) == (Decimal("4.00"), 1)  # A's value, not overwritten by B


def test_the_conflict_is_an_application_error_the_views_already_show():
    from halls.errors import ApplicationError

    assert issubclass(ConflictError, ApplicationError)


def test_after_reloading_the_second_user_can_save(policy):
    update_with_version(GradingPolicy, policy.pk, 0, bonus_cap=Decimal("4"))
    policy.refresh_from_db()
    assert update_with_version(GradingPolicy, policy.pk, policy.lock_version, bonus_cap=Decimal("3")) == 2


def test_a_missing_row_is_does_not_exist_not_a_conflict(policy):
    with pytest.raises(GradingPolicy.DoesNotExist):
        update_with_version(GradingPolicy, policy.pk + 1000, 0, bonus_cap=Decimal("4"))


def test_a_row_outside_the_given_queryset_counts_as_missing(policy):
    drafts = GradingPolicy.objects.filter(state=PolicyState.DRAFT)  # the default policy is active
    with pytest.raises(GradingPolicy.DoesNotExist):
        update_with_version(drafts, policy.pk, 0, bonus_cap=Decimal("4"))
    policy.refresh_from_db()
    assert policy.bonus_cap == Decimal("5.00")


def test_the_version_field_cannot_be_passed_as_a_change(policy):
    with pytest.raises(ValueError):
        update_with_version(GradingPolicy, policy.pk, 0, lock_version=7)


def test_save_with_version_saves_the_edited_fields_and_refuses_a_stale_instance(policy):
    first = GradingPolicy.objects.get(pk=policy.pk)
    second = GradingPolicy.objects.get(pk=policy.pk)
    first.veto_cap = Decimal("55")
    save_with_version(first, 0, fields=["veto_cap"])
    second.veto_cap = Decimal("50")
    second.bonus_cap = Decimal("1")
    with pytest.raises(ConflictError):
        save_with_version(second, 0, fields=["veto_cap", "bonus_cap"])
    policy.refresh_from_db()
    assert (policy.veto_cap, policy.bonus_cap, policy.lock_version) == (Decimal("55.00"), Decimal("5.00"), 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_truly_concurrent_saves_from_the_same_version_let_exactly_one_through():
    import threading
    import time

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks between two connections")
    policy = default_policy_load()[0]
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(who: str, value: str) -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                update_with_version(GradingPolicy, policy.pk, 0, bonus_cap=Decimal(value))
                time.sleep(0.3)  # hold the row lock: the other writer waits on it, then re-checks the version
            outcomes[who] = "saved"
        except ConflictError:
            outcomes[who] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(who, value)) for who, value in (("a", "4"), ("b", "3"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    policy.refresh_from_db()
    winner = next(who for who, outcome in outcomes.items() if outcome == "saved")
    assert policy.bonus_cap == {"a": Decimal("4.00"), "b": Decimal("3.00")}[winner]
    assert policy.lock_version == 1
