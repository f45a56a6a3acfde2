"""The interface language: the one the user picked (remembered on his account), else zh-hans.

Django's LocaleMiddleware follows the browser's Accept-Language, so a browser that asked for neither Chinese
nor English got English, and an English-speaking browser never saw the default language. Here the browser's
wishes are ignored: the account's choice, then the choice made in the switch before logging in (the
language cookie), then LANGUAGE_CODE.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def request_language(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
        if profile is not None and profile.language in LANGUAGE_CODES:
            return profile.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in LANGUAGE_CODES:
        return cookie
    return settings.LANGUAGE_CODE


class AccountLanguageMiddleware:
    """Activates :func:`request_language` for the request. After AuthenticationMiddleware: it reads the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
