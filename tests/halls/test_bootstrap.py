"""``manage.py bootstrap``: the first configuration of an empty database, safe to run on every deploy."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from halls.models import Role, UserProfile
from incentives.models import CoefficientTable
from inspections.models import IndicatorScheme
from scoring.models import GradingPolicy
from scoring.selectors import policy_in_force
from surveys.models import SurveyDefinition

PASSWORD = "first-hq-pass-2026"


def test_an_empty_database_gets_the_default_tree_policy_and_coefficients(db, capsys):
    # Migrations install the default coefficients, but a test run that flushed the tables (live-server tests
    # do) leaves none: start from none, whatever ran before.
    CoefficientTable.objects.all().delete()
    call_command("bootstrap")
    assert IndicatorScheme.objects.get().state == "active"
    assert GradingPolicy.objects.get().state == "active"
    assert CoefficientTable.objects.count() == 1
    assert {"CSAT", "STAFF", "SUPPORT"} <= set(SurveyDefinition.objects.values_list("code", flat=True))
    out = capsys.readouterr().out
    assert "indicator tree: created" in out and "grading policy: created" in out
    assert "bonus coefficients: created" in out


def test_coefficients_installed_by_the_migrations_are_kept(db, capsys):
    from incentives.services import coefficients_default_load

    table, _created = coefficients_default_load()  # what migration incentives 0002 installs
    call_command("bootstrap")
    assert list(CoefficientTable.objects.values_list("pk", flat=True)) == [table.pk]
    assert "bonus coefficients: present" in capsys.readouterr().out


def test_a_second_run_changes_nothing(db, capsys):
    call_command("bootstrap")
    ids = (IndicatorScheme.objects.get().pk, GradingPolicy.objects.get().pk, CoefficientTable.objects.get().pk)
    call_command("bootstrap")
    assert (IndicatorScheme.objects.get().pk, GradingPolicy.objects.get().pk, CoefficientTable.objects.get().pk) == ids
    assert "grading policy: present" in capsys.readouterr().out


def test_a_month_has_a_policy_in_force_after_bootstrap(db):
    import datetime as dt

    call_command("bootstrap")
    assert policy_in_force(month=dt.date(2026, 10, 1)) is not None


def test_hq_creates_the_first_hq_account_with_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("HALLQ_HQ_PASSWORD", PASSWORD)
    call_command("bootstrap", "--hq", "chief", "--no-input")
    user = get_user_model().objects.get(username="chief")
    assert user.check_password(PASSWORD) and user.is_active and not user.is_staff and not user.is_superuser
    assert UserProfile.objects.get(user=user).role == Role.HQ


def test_an_existing_hq_account_is_left_as_it_is(db, monkeypatch):
    monkeypatch.setenv("HALLQ_HQ_PASSWORD", PASSWORD)
    call_command("bootstrap", "--hq", "chief", "--no-input")
    monkeypatch.setenv("HALLQ_HQ_PASSWORD", "another-pass-2027")
    call_command("bootstrap", "--hq", "chief", "--no-input")
    assert get_user_model().objects.get(username="chief").check_password(PASSWORD)


def test_without_a_password_and_without_a_terminal_the_account_is_refused(db, monkeypatch):
    monkeypatch.delenv("HALLQ_HQ_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="HALLQ_HQ_PASSWORD"):
        call_command("bootstrap", "--hq", "chief", "--no-input")
    assert not UserProfile.objects.exists()


def test_a_weak_password_is_refused_by_the_password_rules(db, monkeypatch):
    monkeypatch.setenv("HALLQ_HQ_PASSWORD", "12345678901")
    with pytest.raises(CommandError):
        call_command("bootstrap", "--hq", "chief", "--no-input")
    assert not UserProfile.objects.exists()


def test_the_prompt_asks_twice_when_no_password_is_set(db, monkeypatch):
    monkeypatch.delenv("HALLQ_HQ_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", _Terminal())
    call_command("bootstrap", "--hq", "chief")
    assert get_user_model().objects.get(username="chief").check_password(PASSWORD)


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_the_command_does_not_prompt_but_says_what_to_set(db, monkeypatch):
    # A deploy script runs it with no terminal: a clear refusal, not a traceback from the prompt.
    monkeypatch.delenv("HALLQ_HQ_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="HALLQ_HQ_PASSWORD"):
        call_command("bootstrap", "--hq", "chief")
