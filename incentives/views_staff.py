"""The staff archive (营业员服务档案): a clerk's findings, staff scores, ranks, service points, stars and bonus
shares. Served by incentives, the one app that may read the bonus and everything below it."""

from __future__ import annotations

from django.utils import timezone
from django.views.generic import TemplateView

from halls.mixins import RoleRequiredMixin
from halls.selectors import staff_get
from incentives.selectors import staff_amounts_visible, staff_bonus_by_month
from scoring.selectors.staff import staff_archive


class StaffDetailView(RoleRequiredMixin, TemplateView):
    """Visible to the clerk's hall manager and every manager above whose scope holds the hall; bonus amounts
    only to HQ and the hall's manager, as on the bonus pages."""

    template_name = "halls/staff_detail.html"

    def get_context_data(self, **kwargs):
        staff = staff_get(user=self.request.user, pk=self.kwargs["pk"])
        archive = staff_archive(scope=self.scope, staff=staff, today=timezone.localdate())
        bonuses = staff_bonus_by_month(user=self.request.user, staff=staff, months=[r["month"] for r in archive.months])
        months = [{**row, "bonus_row": bonuses.get(row["month"])} for row in archive.months]
        return super().get_context_data(
            staff=staff,
            archive=archive,
            months=months,
            amounts_visible=staff_amounts_visible(scope=self.scope, hall=staff.hall),
            **kwargs,
        )


staff_detail_view = StaffDetailView.as_view()
