"""The bare-Django floor: one view answering JSON, with no middleware, no application, no database and no
template, served by the bench's gunicorn with the same workers and threads as the application
(``gunicorn bench.bare_wsgi``). What Django itself costs a request on this machine; the application's
cheapest page is measured against it (bench/run.py)."""

from __future__ import annotations

from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-bare-floor-only",  # signs nothing: no session, no CSRF, no message here
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        DATABASES={},
        USE_I18N=False,
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

PATH = "/floor/"


def floor_view(request):
    """The same shape of answer as a grading run's progress (scoring:run_progress)."""
    return JsonResponse(
        {"state": "published", "state_label": "published", "progress": 100, "message": "", "done": True}
    )


urlpatterns = [path(PATH.strip("/") + "/", floor_view)]
application = get_wsgi_application()
