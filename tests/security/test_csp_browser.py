"""In a real browser (Debian's chromium), the pages raise no Content-Security-Policy violation, and the
periodic-task admin form's script, moved out of line for the CSP, still works."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIOLATIONS_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def hq_page(page, live_server, world):
    """A browser signed in as HQ (also admin) through the real login form."""
    world.hq.is_staff = world.hq.is_superuser = True
    world.hq.save()
    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.add_init_script(VIOLATIONS_LISTENER)
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "hq")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.console_errors = console_errors
    return page


def _violations(page) -> list[str]:
    found = page.evaluate("window.__cspViolations || []")
    return found + [text for text in page.console_errors if "Content Security Policy" in text]


def test_pages_raise_no_csp_violation_in_the_browser(hq_page, live_server, world):
    import datetime as dt

    from inspections.services.tree import default_tree_load, scheme_copy_to_draft

    scheme = default_tree_load()[0]
    draft = scheme_copy_to_draft(scheme=scheme, effective_from=dt.date(2027, 1, 1))
    for path in (
        reverse("halls:list"),
        reverse("halls:detail", args=[world.hall_a1.pk]),
        reverse("inspections:scheme_list"),
        reverse("inspections:scheme_detail", args=[scheme.pk]),
        reverse("inspections:scheme_edit", args=[draft.pk]),
        reverse("admin:index"),
        reverse("admin:django_celery_beat_periodictask_add"),
    ):
        hq_page.goto(live_server.url + path)
        hq_page.wait_for_load_state("load")
        assert _violations(hq_page) == [], path


def test_the_periodic_task_form_shows_the_chosen_crontab_in_words(hq_page, live_server):
    from django_celery_beat.models import CrontabSchedule

    crontab = CrontabSchedule.objects.create(minute="0", hour="3", day_of_week="*", day_of_month="*")
    hq_page.goto(live_server.url + reverse("admin:django_celery_beat_periodictask_add"))
    hq_page.select_option("#id_crontab", str(crontab.pk))
    help_text = hq_page.locator(".field-crontab .help").inner_text()
    assert "Translation:" in help_text and crontab.human_readable in help_text
    assert _violations(hq_page) == []
