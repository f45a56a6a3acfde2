"""Forms parse and check the shape of input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inspections.models import CoachingKind, Indicator, IndicatorKind, InspectionKind, InspectionState
from inspections.services.entry import ENTRY_KINDS, ItemEntry, entry_field
from inspections.services.tree import points_text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(one, initial) for one in files]


PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


def photo_field(label=None) -> MultipleFileField:
    return MultipleFileField(label=label or _("照片"), widget=MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}))


class InspectionStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("检查类型"), choices=[(k.value, k.label) for k in ENTRY_KINDS])
    inspected_at = forms.DateTimeField(
        label=_("检查时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class InspectionEntryForm(forms.Form):
    """One set of fields per leaf of the tree: points, N/A, veto, note, photos."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("总体说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, indicators: list[Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for ind in indicators:
            if ind.kind == IndicatorKind.VETO:
                self.fields[entry_field("veto", ind.pk)] = forms.BooleanField(label=_("触发"), required=False)
            else:
                self.fields[entry_field("points", ind.pk)] = forms.DecimalField(
                    label=_("得分"),
                    required=False,
                    max_digits=6,
                    widget=forms.NumberInput(
                        attrs={
                            "step": "0.5",
                            "min": "0",
                            "max": points_text(ind.points),
                            "class": "form-control form-control-sm",
                        }
                    ),
                )
            if ind.allow_na:
                self.fields[entry_field("na", ind.pk)] = forms.BooleanField(label=_("不适用"), required=False)
            self.fields[entry_field("note", ind.pk)] = forms.CharField(
                label=_("说明"),
                required=False,
                max_length=500,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.fields[entry_field("photos", ind.pk)] = photo_field()

    def entries(self) -> dict[int, ItemEntry]:
        data = self.cleaned_data
        return {
            ind.pk: ItemEntry(
                points=data.get(entry_field("points", ind.pk)),
                not_applicable=bool(data.get(entry_field("na", ind.pk))),
                vetoed=bool(data.get(entry_field("veto", ind.pk))),
                note=data.get(entry_field("note", ind.pk)) or "",
                photos=data.get(entry_field("photos", ind.pk)) or [],
            )
            for ind in self.indicators
        }


class RectificationFixForm(forms.Form):
    fix_note = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = photo_field(_("整改照片"))


class RectificationReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("验证结论"), choices=[("verify", _("验证通过")), ("reopen", _("退回重改"))], widget=forms.RadioSelect
    )
    review_note = forms.CharField(label=_("验证意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(forms.Form):
    """A veto item's appeal (``veto=True``) asks that the veto be cleared: no points, only the reason."""

    requested_points = forms.DecimalField(label=_("申请改为(分)"), max_digits=6, min_value=0)
    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = photo_field(_("证据照片"))

    def __init__(self, *args, veto: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if veto:
            del self.fields["requested_points"]
            self.fields["reason"].help_text = _("请说明该一票否决为何属于误判")


class AppealDecisionForm(forms.Form):
    """Deciding a veto appeal (``veto=True``) asks only uphold or reject: upholding clears the veto."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("裁定"), choices=[("uphold", _("支持申诉")), ("reject", _("驳回申诉"))], widget=forms.RadioSelect
    )
    decided_points = forms.DecimalField(label=_("裁定得分"), required=False, max_digits=6, min_value=0)
    decision_note = forms.CharField(label=_("裁定理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, veto: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if veto:
            del self.fields["decided_points"]
            self.fields["decision"].choices = [
                ("uphold", _("支持申诉（撤销一票否决）")),
                ("reject", _("驳回申诉（维持一票否决）")),
            ]


class CoachingVisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=CoachingKind.choices)
    visit_date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))


class CoachingSearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class InspectionFilterForm(forms.Form):
    hall_text = forms.CharField(label=_("营业厅编码或名称"), required=False)
    kind = forms.ChoiceField(
        label=_("检查类型"), required=False, choices=[("", _("全部类型")), *InspectionKind.choices]
    )
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *InspectionState.choices])
    month = forms.DateField(
        label=_("所属月份"), required=False, input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"})
    )

    def clean_month(self):
        month = self.cleaned_data["month"]
        return month.replace(day=1) if month else None


class PlanMonthForm(forms.Form):
    month = forms.DateField(
        label=_("月份"), required=False, input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"})
    )

    def clean_month(self):
        month = self.cleaned_data["month"]
        return month.replace(day=1) if month else None


class PlanLineForm(forms.Form):
    """The district reassigns one open line of its plan, or moves its due date."""

    line = forms.IntegerField(widget=forms.HiddenInput)
    inspector = forms.ModelChoiceField(label=_("检查人"), queryset=None, required=False)
    due_date = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors
