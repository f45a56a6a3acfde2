"""Structured log lines without personal data.

Two filters sit on every log handler (config/settings/base.py LOGGING):

- :class:`PersonalDataFilter` masks mainland mobile numbers (``13812345678`` → ``138****5678``) and
  resident ID numbers in the message, its arguments and any traceback, whoever logged them: Django,
  Celery or our own code.
- :class:`RequestContextFilter` adds ``request_id`` and ``user_id`` to each record, set per request by
  :class:`RequestContextMiddleware` (``-`` outside a request). The request id is echoed in the
  ``X-Request-ID`` response header so that a user's report can be matched to the log. While a Celery
  task runs, the id is ``task-<task id>``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets

from celery.signals import task_postrun, task_prerun

# An 11-digit mobile number (optionally +86/86 and separated 3-4-4), not part of a longer digit run.
_MOBILE = re.compile(r"(?<![\d])((?:\+?86[-\s]?)?1[3-9]\d)[-\s]?\d{4}[-\s]?(\d{4})(?!\d)")
# An 18-character resident ID number: 6-digit region, birth date, sequence, check digit.
_RESIDENT_ID = re.compile(
    r"(?<![\dA-Za-z])(\d{6})(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}([\dXx])(?![\dA-Za-z])"
)


def mask_personal_data(text: str) -> str:
    """``138 1234 5678`` → ``138****5678``; ``11010119900307123X`` → ``110101***********X``."""
    text = _RESIDENT_ID.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class PersonalDataFilter(logging.Filter):
    """Rewrites each record's final message (and traceback) with personal data masked."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call such as log.info("%s %s", one_arg): let logging report it
            return True
        record.msg, record.args = mask_personal_data(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


_current_request = contextvars.ContextVar("hallq_request", default=None)
_current_request_id = contextvars.ContextVar("hallq_request_id", default="-")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` to every record (``-`` when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current_request_id.get()
        record.user_id = _user_id(_current_request.get())
        return True


def _user_id(request) -> str:
    # Only a user the request has already loaded: a log line must never query the database (the
    # health endpoint logs while the database is down). Django caches the loaded user on the request.
    user = getattr(request, "_cached_user", None) if request is not None else None
    if user is None or not user.is_authenticated:
        return "-"
    return str(user.pk)


class RequestContextMiddleware:
    """Gives each request an id (the proxy's ``X-Request-ID`` when it looks sane) for its log lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
        request.request_id = request_id
        tokens = (_current_request_id.set(request_id), _current_request.set(request))
        try:
            response = self.get_response(request)
        finally:
            _current_request_id.reset(tokens[0])
            _current_request.reset(tokens[1])
        response["X-Request-ID"] = request_id
        return response


# While a Celery task runs, its log lines carry its task id. Tokens restore the previous id afterwards,
# so a task run eagerly inside a request hands the request its own id back.
_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect(weak=False)
def _task_context_start(task_id=None, **kwargs) -> None:
    if task_id:
        _task_tokens[task_id] = _current_request_id.set(f"task-{task_id}")


@task_postrun.connect(weak=False)
def _task_context_end(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _current_request_id.reset(token)
