"""The user of a session, loaded with his profile (role, hall, language) in the same query.

Every signed-in request reads the profile: the language middleware (halls.middleware) and the scope
(halls.selectors.scope_for) both start from it. Django's ModelBackend loads the user alone, and the
profile then cost a second query on every page."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    """ModelBackend (password check, ``is_active``) whose ``get_user`` joins the profile. A user without a
    profile (a superuser made with createsuperuser) comes back with the absence cached: no second query."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("profile").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
