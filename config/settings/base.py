"""Settings shared by every environment. Everything that differs comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    """Read a boolean strictly: a typo such as ``DEBUG=ture`` fails loudly instead of meaning False."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of {sorted(_TRUE | _FALSE)}")


# --- Core -----------------------------------------------------------------------------------
DEBUG = envbool("DJANGO_DEBUG", False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database -------------------------------------------------------------------------------
# SQLite under var/ by default; DATABASE_URL=postgres://user@host:5432/name switches to PostgreSQL.
# A password holding '#', '?', '+' or '@' must be percent-encoded in the URL (see README).
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an eager job share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # One connection per request, closed when it ends: the development server starts a thread per request,
    # and a kept-alive connection (CONN_MAX_AGE > 0) outlives its thread until PostgreSQL runs out of slots.
    # Production (gunicorn's fixed threads) keeps them; see config/settings/production.py.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database host that drops packets fails a request (and the health check) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Cache ----------------------------------------------------------------------------------
# Only what cannot change is cached (a published month's city averages, a finished run's rows, group
# sizes and rendered ranking fragments), under keys that name the run they come from: each process's own
# memory by default, with room for a province's archives (Django's default of 300 entries would evict a
# hall's figures before anyone asked for them twice); CACHE_URL=redis://127.0.0.1:6379/1 shares them
# between the web processes of a machine or several.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://?max_entries=5000")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same, keeping one Redis client per connection pool (halls.cache): sessions are read on every request.
    CACHES["default"]["BACKEND"] = "halls.cache.RedisCache"

# --- Applications ---------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "axes",
    "django_celery_beat",
    "csp",
]
LOCAL_APPS = [
    "halls",
    "inspections",
    "surveys",
    "scoring",
    "incentives",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    # First, so that every log line of the request carries its id.
    "halls.log.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "halls.docs.DocsWhiteNoiseMiddleware",  # WhiteNoise, and the built docs under /docs/
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The user's own choice of language, else zh-hans; never the browser's Accept-Language.
    "halls.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "halls.csp.CSPMiddleware",  # django-csp's, its header built once (halls/csp.py)
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "halls.context_processors.role",
            ],
            # Filters every page uses (``person``: people by full name), without a {% load %} in each.
            "builtins": ["halls.templatetags.halls_tags"],
        },
    }
]

# --- Authentication -------------------------------------------------------------------------
# ModelBackend, loading the session's user with his profile in one query (every page reads the profile).
# Sessions record the backend's path: sessions opened before it replaced ModelBackend sign in again once.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "halls.backends.ProfileModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff share office NAT addresses: lock a username at one address, not the whole office.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Each language named in itself, so the switch reads the same in every language.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates on pages and in inputs are ISO (2026-12-04) in every language.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded photos are never served directly: a scoped view streams them (see inspections.views).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The documentation site, built by `mkdocs build` into site/ (not in git): WhiteNoise serves it under /docs/
# when it exists (halls.docs), with /docs/x/ answered by x/index.html. The pages link to the docs at
# HALLQ_DOCS_URL, which may name wherever else the site is published instead.
HALLQ_DOCS_DIR = Path(env.str("HALLQ_DOCS_DIR", default=str(BASE_DIR / "site")))
HALLQ_DOCS_URL = env.str("HALLQ_DOCS_URL", default="/docs/")
WHITENOISE_INDEX_FILE = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Forms ----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers -----------------------------------------------------------------------
# Pages carry no inline script or style: data reaches charts through json_script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "halls.error_views.csrf_failure_view"
SESSION_COOKIE_AGE = 60 * 60 * 10  # a working day
# Sessions are written to the database and read from the cache: one query less on every page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hallq@localhost")

# --- Celery ---------------------------------------------------------------------------------
# No broker configured: run every task eagerly in-process (one machine, nothing else to start).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL if not CELERY_TASK_ALWAYS_EAGER else "cache+memory://"
)
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
# Services are idempotent, so a task is acknowledged only after it finished, and one whose worker
# died is handed to another worker instead of being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
# Redis redelivers an unacknowledged task after this; it must exceed the longest job.
# A connection attempt to a broker that drops packets gives up after socket_connect_timeout instead of
# the operating system's two minutes; workers retry, and web requests give up at once (halls.jobs).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60, "socket_connect_timeout": 5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Logging --------------------------------------------------------------------------------
# Log lines carry ids, never names or phone numbers: every handler masks mobile and ID numbers
# (halls.log.PersonalDataFilter) whoever logged them, and adds the request id and user id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "halls.log.PersonalDataFilter"},
        "request_context": {"()": "halls.log.RequestContextFilter"},
    },
    "formatters": {
        "structured": {
            "format": "%(asctime)s level=%(levelname)s logger=%(name)s request_id=%(request_id)s "
            "user_id=%(user_id)s %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "filters": ["request_context", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Product --------------------------------------------------------------------------------
HALLQ_PHOTO_MAX_BYTES = env.int("HALLQ_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
HALLQ_IMPORT_MAX_BYTES = env.int("HALLQ_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# Limits an uploaded spreadsheet is held to before any reader sees it (surveys.imports.inspection): data rows
# below the header, columns beyond the template's, and the workbook's real uncompressed size (a 50,000-row
# visit sheet is about 60 MB of XML).
HALLQ_IMPORT_MAX_ROWS = env.int("HALLQ_IMPORT_MAX_ROWS", default=200_000)
HALLQ_IMPORT_EXTRA_COLUMNS = env.int("HALLQ_IMPORT_EXTRA_COLUMNS", default=20)
HALLQ_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("HALLQ_IMPORT_MAX_UNCOMPRESSED_BYTES", default=512 * 1024 * 1024)
# The reader runs in a child process (surveys.imports.isolation) with this address-space cap and time limit.
HALLQ_IMPORT_READER_MEMORY_MB = env.int("HALLQ_IMPORT_READER_MEMORY_MB", default=3072)
HALLQ_IMPORT_READER_SECONDS = env.int("HALLQ_IMPORT_READER_SECONDS", default=300)
# Row errors kept on a rejected batch (shown and in its CSV); the rest are counted, not stored.
HALLQ_IMPORT_MAX_ERRORS = env.int("HALLQ_IMPORT_MAX_ERRORS", default=500)
# Seconds a web request waits for the broker when it starts a job, and the health endpoint when it pings it.
HALLQ_ENQUEUE_CONNECT_TIMEOUT = env.float("HALLQ_ENQUEUE_CONNECT_TIMEOUT", default=3.0)
HALLQ_HEALTH_BROKER_TIMEOUT = env.float("HALLQ_HEALTH_BROKER_TIMEOUT", default=2.0)
# A worker whose last heartbeat is older than this is reported as stale by the health endpoint.
HALLQ_WORKER_STALE_AFTER = timedelta(minutes=env.int("HALLQ_WORKER_STALE_MINUTES", default=3))
# Grading runs started by HQ or the schedule: "" grades the month in one worker process; "city" fans it
# out as one chunk task per city followed by one ranking step (scoring.services.distributed).
HALLQ_GRADING_CHUNKS = env.str("HALLQ_GRADING_CHUNKS", default="")
if HALLQ_GRADING_CHUNKS not in ("", "city"):
    raise ImproperlyConfigured(f"HALLQ_GRADING_CHUNKS={HALLQ_GRADING_CHUNKS!r}: use '' (one process) or 'city'")

# Monthly bulletins (通报): when on, each rendered bulletin is e-mailed (PDF attached) to its scope's
# managers who have an address (HQ for the province, the city company for a city, district managers).
HALLQ_BULLETIN_EMAIL = envbool("HALLQ_BULLETIN_EMAIL", False)
