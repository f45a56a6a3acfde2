"""First configuration: the default surveys (customer, staff, support), whose files the imports read
(see :mod:`halls.bootstrap`)."""

from __future__ import annotations

from halls.bootstrap import bootstrap_step
from surveys.models import SurveyDefinition
from surveys.services.definitions import survey_defaults_load


@bootstrap_step(order=15, name="surveys")
def surveys_default_load() -> tuple[str, bool]:
    before = SurveyDefinition.objects.count()
    surveys = survey_defaults_load()
    return ", ".join(survey.code for survey in surveys), SurveyDefinition.objects.count() > before
