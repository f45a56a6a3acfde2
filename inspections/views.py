from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from halls.mixins import RoleRequiredMixin
from inspections.selectors import scheme_list, scheme_tree


class SchemeListView(RoleRequiredMixin, ListView):
    template_name = "inspections/scheme_list.html"
    context_object_name = "schemes"

    def get_queryset(self):
        return scheme_list()


class SchemeDetailView(RoleRequiredMixin, DetailView):
    """The tree of one scheme version, read-only, for every role."""

    template_name = "inspections/scheme_detail.html"
    context_object_name = "scheme"

    def get_object(self, queryset=None):
        return get_object_or_404(scheme_list(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tree"] = scheme_tree(scheme=self.object)
        return context


scheme_list_view = SchemeListView.as_view()
scheme_detail_view = SchemeDetailView.as_view()
