"""Forms parse and check the shape of input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from halls.forms import IsoDateInput, MonthField
from halls.selectors import staff_on_duty
from inspections.models import CoachingKind, Indicator, IndicatorKind, InspectionKind, InspectionState
from inspections.selectors import scheme_leaves
from inspections.services.check_templates import template_leaves_q
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
    template_code = forms.ChoiceField(
        label=_("检查模板"),
        required=False,
        help_text=_("远程监控和专项检查可只查一个模板的项目；明查按全部指标"),
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_code"].choices = [("", _("全部指标")), *[(t.code, t.name) for t in templates]]


class InspectionEntryForm(forms.Form):
    """One set of fields per leaf of the tree: points, N/A, veto, note, photos."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    # Made by the browser for one submission, so that a submit sent twice submits once.
    submit_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("总体说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, indicators: list[Indicator], staff_choices: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        # The clerk on duty a finding concerns: any of the hall's staff that month, or nobody.
        staff_options = [("", _("（未指明营业员）")), *staff_choices]
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
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("说明")}),
            )
            photos = self.fields[entry_field("photos", ind.pk)] = photo_field()
            # On a phone the camera opens at once: findings are photographed where they are.
            photos.widget.attrs.update({"capture": "environment", "class": "form-control entry-photo-input"})
            self.fields[entry_field("staff", ind.pk)] = forms.TypedChoiceField(
                label=_("当班营业员"),
                required=False,
                choices=staff_options,
                coerce=int,
                empty_value=None,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def entries(self) -> dict[int, ItemEntry]:
        data = self.cleaned_data
        return {
            ind.pk: ItemEntry(
                points=data.get(entry_field("points", ind.pk)),
                not_applicable=bool(data.get(entry_field("na", ind.pk))),
                vetoed=bool(data.get(entry_field("veto", ind.pk))),
                note=data.get(entry_field("note", ind.pk)) or "",
                photos=data.get(entry_field("photos", ind.pk)) or [],
                staff_id=data.get(entry_field("staff", ind.pk)),
            )
            for ind in self.indicators
        }


def inspection_entry_form(*, inspection, **kwargs) -> InspectionEntryForm:
    """The entry form of ``inspection``: the leaves of its tree (or of its check template) and the clerks on
    duty in its hall that month. The entry page and the background save (autosave) both use it."""
    indicators = scheme_leaves(scheme_id=inspection.scheme_id, template_id=inspection.template_id)
    staff = staff_on_duty(hall_id=inspection.hall_id, month=inspection.month)
    return InspectionEntryForm(
        **kwargs, indicators=indicators, staff_choices=[(person.pk, str(person)) for person in staff]
    )


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
    visit_date = forms.DateField(label=_("日期"), widget=IsoDateInput())
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))


class CoachingSearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=IsoDateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=IsoDateInput())


class InspectionFilterForm(forms.Form):
    hall_text = forms.CharField(label=_("营业厅编码或名称"), required=False)
    kind = forms.ChoiceField(
        label=_("检查类型"), required=False, choices=[("", _("全部类型")), *InspectionKind.choices]
    )
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *InspectionState.choices])
    month = forms.DateField(
        label=_("所属月份"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def clean_month(self):
        month = self.cleaned_data["month"]
        return month.replace(day=1) if month else None


# --- The tree editor (HQ) -----------------------------------------------------------------------------


class SchemeDraftForm(forms.Form):
    """A draft's name and the month it would come into force (copying a scheme, or editing the draft)."""

    name = forms.CharField(label=_("名称"), max_length=128, required=False, help_text=_("留空则沿用原名称"))
    effective_from = MonthField(label=_("生效月份"))


EM_SPACE = "\u2003"  # indents a parent's children in the parent list


class IndicatorForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("上级指标"),
        queryset=Indicator.objects.none(),
        required=False,
        empty_label=_("（无：一级指标或特殊项）"),
    )
    code = forms.CharField(label=_("编码"), max_length=32)
    name_zh = forms.CharField(label=_("中文名称"), max_length=128)
    name_en = forms.CharField(label=_("英文名称"), max_length=128)
    kind = forms.ChoiceField(label=_("类型"), choices=IndicatorKind.choices, initial=IndicatorKind.SCORED)
    points = forms.DecimalField(
        label=_("分值"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        help_text=_("计分项在叶子上填写，上级指标的分值由下级汇总；扣分项、加分项填写上限；一票否决项不填"),
    )
    allow_na = forms.BooleanField(label=_("可标记不适用"), required=False)

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        # Items may go under a scored level-1 or level-2 item of the same draft.
        self.fields["parent"].queryset = Indicator.objects.filter(
            scheme=scheme, kind=IndicatorKind.SCORED, level__lt=3
        ).order_by("order")
        self.fields["parent"].label_from_instance = lambda ind: f"{EM_SPACE * (ind.level - 1)}{ind.code} {ind.name}"


class CheckTemplateForm(forms.Form):
    code = forms.CharField(label=_("编码"), max_length=32)
    name_zh = forms.CharField(label=_("中文名称"), max_length=128)
    name_en = forms.CharField(label=_("英文名称"), max_length=128)
    indicators = forms.ModelMultipleChoiceField(
        label=_("检查项"),
        queryset=Indicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("第 3 层计分指标和特殊项；按所选计分项的适用分值计分"),
    )

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = Indicator.objects.filter(template_leaves_q(), scheme=scheme).order_by(
            "order"
        )
        self.fields["indicators"].label_from_instance = lambda ind: (
            f"{ind.code} {ind.name}{gettext('（')}{points_text(ind.points)}{gettext('）')}"
        )


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
    due_date = forms.DateField(label=_("完成期限"), widget=IsoDateInput())

    def __init__(self, *args, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors
