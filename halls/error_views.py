"""The error pages (400, 403, 404, 500 and a refused CSRF token), in the application's layout and the reader's
language, each with a way back.

400, 403 and 404 use the full layout (menu included). The 500 page must render whatever broke: it reads no
database, no session and no context processor (a plain render of a self-contained template), and falls back to
a fixed text if even that fails.
"""

from __future__ import annotations

import logging

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

FALLBACK_500 = (
    "<!DOCTYPE html><title>500</title><p>500 · 服务器内部错误 · Server error</p><p><a href='/'>首页 · Home</a></p>"
)


def _error_page(request, *, status: int, title: str, message: str):
    return render(request, "errors/error.html", {"status": status, "title": title, "message": message}, status=status)


@requires_csrf_token
def bad_request_view(request, exception=None):
    return _error_page(request, status=400, title=_("请求有误"), message=_("服务器无法处理这个请求。请返回重试。"))


@requires_csrf_token
def permission_denied_view(request, exception=None):
    return _error_page(request, status=403, title=_("无权访问"), message=_("您的角色不能使用这个页面或执行这个操作。"))


@requires_csrf_token
def page_not_found_view(request, exception=None):
    return _error_page(
        request, status=404, title=_("页面不存在"), message=_("找不到这个页面，或它不在您负责的范围内。")
    )


def csrf_failure_view(request, reason=""):
    return _error_page(
        request, status=403, title=_("页面已过期"), message=_("表单已过期或来源不明，请刷新页面后重新提交。")
    )


def server_error_view(request):
    try:
        html = render_to_string("500.html")
    except Exception:  # the page that reports an error must not fail in turn
        logger.exception("error_page_failed")
        html = FALLBACK_500
    return HttpResponseServerError(html)
