"""View mixins shared by every app: login, and the roles a view admits."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from halls.models import Role
from halls.selectors import scope_for

ALL_ROLES = (Role.HQ, Role.CITY_MANAGER, Role.DISTRICT_MANAGER, Role.HALL_MANAGER)
# Who inspects, verifies rectifications and coaches: district managers in their districts, city managers
# (地市客服) in every district of their cities.
DISTRICT_LEVEL_ROLES = (Role.CITY_MANAGER, Role.DISTRICT_MANAGER)


class RoleRequiredMixin(LoginRequiredMixin):
    """Anonymous users go to the login page; a signed-in user without one of ``allowed_roles`` gets 403.

    Which objects a permitted user sees is decided by the selectors, not here.
    """

    allowed_roles: tuple[str, ...] = ALL_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.scope = scope_for(request.user)
        if self.scope.role not in self.allowed_roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
