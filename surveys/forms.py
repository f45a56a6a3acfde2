from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from surveys.imports import IMPORTERS
from surveys.models import ComplaintCare, ImportKind, RepairCase, SurveyDefinition


def _kind_choices():
    return [(kind, label) for kind, label in ImportKind.choices if kind in IMPORTERS]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), choices=_kind_choices)
    survey = forms.ModelChoiceField(
        label=_("问卷（仅满意度调查）"), queryset=SurveyDefinition.objects.order_by("kind", "code"), required=False
    )
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, per request, so that the help text is in the reader's language.
        self.fields["file"].help_text = _("CSV 可为 UTF-8 或 GBK 编码；文件上限 %(mb)s MB") % {
            "mb": settings.HALLQ_IMPORT_MAX_BYTES // (1024 * 1024)
        }

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


class SurveyResponseForm(forms.Form):
    """One response typed in by HQ; one score field per dimension of the survey."""

    external_id = forms.CharField(label=_("问卷编号"), max_length=64, required=False, help_text=_("留空则自动生成"))
    hall_code = forms.CharField(label=_("营业厅编码"), max_length=32)
    responded_at = forms.CharField(label=_("填写时间"), help_text=_("如 2026-03-05 10:30"))
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    overall = forms.CharField(label=_("总体评分"))
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, survey: SurveyDefinition, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        for dim in survey.dimensions.all():
            self.fields[f"dim_{dim.code}"] = forms.CharField(
                label=f"{dim.name_zh}（0–{survey.scale_max}）", required=True
            )
        order = ["external_id", "hall_code", "responded_at", "phone"]
        order += [f"dim_{dim.code}" for dim in survey.dimensions.all()] + ["overall", "comment"]
        self.order_fields(order)

    def values(self) -> dict[str, str]:
        return {
            (f"dim:{name[4:]}" if name.startswith("dim_") else name): value for name, value in self.cleaned_data.items()
        }


class ComplaintCareForm(forms.ModelForm):
    class Meta:
        model = ComplaintCare
        fields = ["state", "outcome"]
        widgets = {"outcome": forms.Textarea(attrs={"rows": 3})}
