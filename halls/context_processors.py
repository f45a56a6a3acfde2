from __future__ import annotations

from halls.selectors import scope_for


def role(request) -> dict:
    """The user's scope for templates: the navigation shows what the role may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {"scope": scope, "unread_notifications": unread}
