"""Cache keys of the rendered pages of published months: the hall archive's frozen part, its satisfaction and
activity panels, and the ranking page's content.

A published run's results never change: re-grading a published month makes a new run (a new revision, a new
primary key), so a key that names the runs names their data. Each key also names everything else the
rendered HTML depends on: who looks (role and the hashed set of districts, cities or hall he sees, since the
links and highlights on a page follow from them), the language, and the hall's own names. Per-user bits (the
navbar's name and unread count, messages, the CSRF token of every form) are in the layout, which is rendered
for each request around the cached fragment: nothing of one user can reach another's page.

Each function returns None when the page must stay live (a draft, a run still running, a form in error).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable

from django.http import QueryDict
from django.template.loader import get_template
from django.utils.translation import get_language

from halls.models import Hall
from halls.months import month_add
from halls.selectors import Scope
from scoring.models import GradingRun, RunState
from scoring.selectors.reports import TREND_MONTHS, _run_stamp

ARCHIVE_PAGE_SECONDS = 24 * 3600  # frozen data: the day only bounds the memory it holds
# The templates rendered into the cached fragments: a digest of their source is in every key, so that a
# release that changes one of them never serves a fragment rendered by the old one (the cache outlives it).
CACHED_TEMPLATES = (
    "halls/hall_detail.html",
    "halls/_archive_page.html",
    "halls/_archive_figures.html",
    "inspections/_hall_section.html",
    "inspections/_hall_panel.html",
    "surveys/_hall_evidence_include.html",
    "surveys/_hall_evidence.html",
    "incentives/_hall_bonus.html",
    "incentives/_hall_bonus_panel.html",
    "scoring/_hall_satisfaction.html",
    "scoring/_hall_activity.html",
    "scoring/_ranking_content.html",
    "scoring/_ranking_filter.html",
    "scoring/_ranking_rows.html",
    "scoring/_ranking_movers.html",
    "scoring/_sort_link.html",
    "partials/pagination.html",
)


@functools.cache
def templates_version() -> str:
    """A digest of :data:`CACHED_TEMPLATES`' source, read once per process."""
    sources = [get_template(name).template.source for name in CACHED_TEMPLATES]
    return _digest(*sources)[:10]


def _digest(*parts) -> str:
    return hashlib.md5(repr(parts).encode(), usedforsecurity=False).hexdigest()


def scope_key(scope: Scope) -> str:
    """The viewer's scope: his role and a digest of the districts, cities and hall he sees."""
    return f"{scope.role}:{_digest(sorted(scope.district_ids), sorted(scope.city_ids), scope.hall_id)}"


def runs_key(runs: dict[dt.date, GradingRun]) -> str:
    """Every month the viewer may see with the run he sees of it (its revision, state and finishing time):
    the month picker lists them and the trends read them."""
    return _digest([(f"{month:%Y-%m}", run.pk, run.state, _run_stamp(run)) for month, run in runs.items()])


def hall_key(hall: Hall) -> str:
    """What the archive's heading shows of the hall: it changes with the master data (a rename, a move)."""
    return _digest(
        hall.code,
        hall.name,
        hall.kind,
        hall.closed_on,
        hall.district_id,
        hall.district.name,
        hall.district.city.name,
        hall.marketing_unit_id,
        hall.marketing_unit.name,
    )


def archive_page_key(
    *, runs: dict[dt.date, GradingRun], hall: Hall, month: dt.date | None, scope: Scope, month_in_error: bool
) -> str | None:
    """The key of the archive's frozen part (heading, month picker, figures, trend, explanation, weakest
    indicators) for ``month`` (the month shown), or None when that month is not published, a run of its
    trend is still running, or the month asked for was refused (the form's error is the request's own)."""
    run = runs.get(month) if month else None
    if month_in_error or run is None or run.state != RunState.PUBLISHED:
        return None
    window = [runs.get(month_add(month, -offset)) for offset in range(TREND_MONTHS)]
    if any(_run_stamp(other) == "" for other in window if other is not None):
        return None
    return (
        f"{templates_version()}:archive:{hall.pk}:{month:%Y-%m}:{runs_key(runs)}:{hall_key(hall)}:"
        f"{scope_key(scope)}:{get_language()}"
    )


def evidence_panels_key(
    *, run: GradingRun | None, hall: Hall, month: dt.date | None, responses_stamp: Callable[[], str]
) -> str | None:
    """The key of the archive's customer satisfaction and activity participation panels of a published month.
    Imports refuse rows of a published month, but the satisfaction trend's older months may still receive
    responses and a hall that moves changes its city's averages: ``responses_stamp()`` (the newest response
    and hall change, read only for a published month) is part of the key, as the city frames' cache has it.
    The activity rule is the run's policy's: the run is in the key."""
    if month is None or run is None or run.state != RunState.PUBLISHED:
        return None
    return f"{templates_version()}:evidence:{hall.pk}:{month:%Y-%m}:{run.pk}:{responses_stamp()}:{get_language()}"


def archive_content_key(*, figures_key: str | None, hall: Hall, evidence_key: str | None, today: dt.date) -> str | None:
    """The key of the archive's whole content of a published month (figures, evidence panels and everything
    read live before: outstanding rectifications and repair cases, inspections, rectifications and coaching,
    mystery visits, repair cases, complaints, bonus, staff), or None when the figures stay live.

    What the live panels show changes after publication, by any write path (services, ``queryset.update()``,
    imports): database triggers raise the hall's version (halls.HallVersion, ``hall.page_version`` from
    ``hall_get(with_version=True)``) whenever one of their rows is written, so the key holds it. The day is in
    it as well: the outstanding rectifications are marked overdue against today."""
    if figures_key is None or evidence_key is None:
        return None
    return f"{figures_key}:{_digest(evidence_key)}:v{hall.page_version}:{today:%Y%m%d}"


RANKING_PARAMETERS = frozenset({"month", "city", "district", "kind", "sort", "page"})
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,4}")


def ranking_page_key(
    *, runs: dict[dt.date, GradingRun], scope: Scope, query: QueryDict, organisation: Callable[[], int]
) -> str | None:
    """The key of the ranking page's content (filters, table, pagination, movers) of a published month, read
    from the request's query (``query``, its GET; the page's links echo it) before any form is built: a page
    served from the cache builds neither the filter form nor its lists of cities and districts.

    None when the page stays live: a query that is not the form's own parameters once each with a page number
    of five digits at most (anything else would let a client fill the cache with keys of its own making), a
    month the viewer may not see, a draft or a run still running. The view stores a page under the key only
    once its filters have validated: a field in error shows the request's own value and message.

    The key names every run the viewer may see (the month picker lists them; the month's and the previous
    month's runs are the rows and the movement), the version of the cities and districts the filter lists
    (``organisation()``, read only for a page that may be cached: a rename shows at once), the viewer's scope,
    the query and the language."""
    if not set(query) <= RANKING_PARAMETERS or any(len(query.getlist(name)) > 1 for name in query):
        return None
    if "page" in query and not _PAGE_NUMBER.fullmatch(query["page"]):
        return None
    by_label = {f"{month:%Y-%m}": month for month in runs}
    asked = query.get("month", "")
    if asked and asked not in by_label:
        return None
    month = by_label[asked] if asked else next(iter(runs), None)
    run = runs.get(month) if month else None
    if run is None or run.state != RunState.PUBLISHED:
        return None
    if "" in (_run_stamp(run), _run_stamp(runs.get(month_add(month, -1)))):
        return None
    return (
        f"{templates_version()}:ranking:{runs_key(runs)}:o{organisation()}:{scope_key(scope)}:"
        f"{_digest(query.urlencode())}:{get_language()}"
    )
