"""django-csp's middleware with the settings' policy built once per process instead of on every response.

django-csp rebuilds the header from CONTENT_SECURITY_POLICY on each response (and the report-only one),
although it only changes for a response that a view gave its own policy (the ``csp_*`` decorators) or a
request that used a nonce. Those still go through django-csp as they are; every other response gets the
header built once. The settings are read at start-up: a test that changes the policy with
``override_settings`` must use a new middleware (Django builds the stack again for each test client)."""

from __future__ import annotations

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# Attributes by which a view's decorator changes its response's policy (csp.decorators).
_PER_RESPONSE_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(DjangoCSPMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        self._headers = []
        for header, setting, exempt, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
        ):
            policy = build_policy(report_only=report_only)
            if policy:
                prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
                self._headers.append((header, policy, exempt, prefixes))

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE_POLICY)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        for header, policy, exempt, prefixes in self._headers:
            if header not in response and not getattr(response, exempt, False):
                if not (prefixes and request.path_info.startswith(prefixes)):
                    response[header] = policy
        # As django-csp: a nonce asked for after the header was written raises instead of going unprotected.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
