from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("月度评定")

    def ready(self) -> None:
        # The apps below scoring ask halls.month_state whether a month is published and which status a hall
        # carries; grading is where both are decided, so it answers.
        from halls.month_state import month_state_reader_register
        from scoring.selectors import grading

        month_state_reader_register(grading)
