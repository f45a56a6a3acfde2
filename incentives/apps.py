from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("服务酬金")

    def ready(self) -> None:
        from incentives.imports import BonusPoolImporter
        from incentives.selectors import month_is_frozen
        from surveys.bonus_months import bonus_month_check_register
        from surveys.imports import importer_register

        importer_register(BonusPoolImporter)
        # Service volumes and staff points are taken until the month's split is approved.
        bonus_month_check_register(month_is_frozen)
