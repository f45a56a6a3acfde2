from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView
from django.views.i18n import set_language

from halls.filters import HallFilter
from halls.health import health_report
from halls.mixins import RoleRequiredMixin
from halls.models import Role
from halls.selectors import hall_get, hall_history, hall_list, scope_for
from halls.services import profile_language_set


@login_required
def home_view(request):
    """Each role lands where its work is: HQ on the dashboard, a district or city manager on the
    workbench of his districts or cities, a hall manager on his hall's service archive."""
    scope = scope_for(request.user)
    if scope.is_hall_manager:
        return redirect("halls:detail", pk=scope.hall_id)
    if scope.manages_districts:
        return redirect("scoring:district_home")
    if scope.is_hq:
        return redirect("scoring:dashboard")
    return render(request, "halls/no_role.html", status=403)


def language_set_view(request):
    """The language switch: Django's set_language (the cookie, for this browser), and the user's account."""
    response = set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        profile_language_set(user=request.user, language=request.POST.get("language", ""))
    return response


@never_cache
@require_safe
def health_view(request):
    """For load balancers and monitoring: no login, nothing sensitive; 503 when the database or broker is down."""
    report, healthy = health_report()
    return JsonResponse(report, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


class HallListView(RoleRequiredMixin, ListView):
    template_name = "halls/hall_list.html"
    paginate_by = 25

    def get_queryset(self):
        halls = hall_list(user=self.request.user)
        self.filterset = HallFilter(self.request.GET or None, queryset=halls, halls=halls)
        return self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else halls

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class HallHistoryView(RoleRequiredMixin, DetailView):
    """HQ: who changed what in a hall's master data, and when (moves, closing, renames)."""

    allowed_roles = (Role.HQ,)
    template_name = "halls/hall_history.html"
    context_object_name = "hall"

    def get_object(self, queryset=None):
        return hall_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"entries": hall_history(hall=self.object)}


hall_list_view = HallListView.as_view()
hall_history_view = HallHistoryView.as_view()
