from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("服务酬金")

    def ready(self) -> None:
        from incentives.imports import BonusPoolImporter
        from surveys.imports import importer_register

        importer_register(BonusPoolImporter)
