from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from surveys.imports import IMPORTERS
from surveys.models import ImportKind, RepairCase, SurveyDefinition


def _kind_choices():
    return [(kind, label) for kind, label in ImportKind.choices if kind in IMPORTERS]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), choices=_kind_choices)
    survey = forms.ModelChoiceField(
        label=_("问卷（仅满意度调查）"), queryset=SurveyDefinition.objects.order_by("kind", "code"), required=False
    )
    file = forms.FileField(
        label=_("文件（.xlsx 或 .csv）"),
        help_text=_("CSV 可为 UTF-8 或 GBK 编码；文件上限 %(mb)s MB")
        % {"mb": settings.HALLQ_IMPORT_MAX_BYTES // (1024 * 1024)},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ImportKind.SURVEY_RESPONSES and not cleaned.get("survey"):
            self.add_error("survey", _("请选择问卷"))
        return cleaned

    def params(self) -> dict:
        survey = self.cleaned_data.get("survey")
        if self.cleaned_data["kind"] == ImportKind.SURVEY_RESPONSES and survey:
            return {"survey_id": survey.pk}
        return {}


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(choices=_kind_choices)
    survey = forms.ModelChoiceField(queryset=SurveyDefinition.objects.all(), required=False)


class RepairCaseForm(forms.ModelForm):
    class Meta:
        model = RepairCase
        fields = ["state", "follow_up"]
        widgets = {"follow_up": forms.Textarea(attrs={"rows": 3})}
