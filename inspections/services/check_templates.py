"""Check templates: named subsets of a scheme's leaves that a remote or special check is entered against.

A template belongs to one scheme version: HQ edits it with the draft, and it is frozen, like the tree,
once the scheme is activated. Copying a scheme into a new draft copies its templates (matched by
indicator code), so a template lives on from version to version.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from inspections.models import CheckTemplate, Indicator, IndicatorKind, IndicatorScheme


def scheme_draft_check(*, scheme: IndicatorScheme) -> None:
    """Only a draft is edited: an activated scheme (its tree and templates) is what results point at."""
    if not scheme.is_editable:
        raise ApplicationError(
            _("指标体系 v%(version)s 已%(state)s，不能再修改；请复制为新草稿后修改")
            % {"version": scheme.version, "state": scheme.get_state_display()}
        )


def template_leaves_q() -> Q:
    """The indicators a template may hold: scored level-3 leaves and the special items."""
    return Q(kind=IndicatorKind.SCORED, level=3) | ~Q(kind=IndicatorKind.SCORED)


def templates_validate(*, scheme: IndicatorScheme) -> list[str]:
    """Every reason the scheme's templates cannot be activated with it (checked with the tree)."""
    errors: list[str] = []
    for template in scheme.templates.prefetch_related("indicators"):
        indicators = list(template.indicators.all())
        if not any(ind.kind == IndicatorKind.SCORED for ind in indicators):
            errors.append(_("检查模板 %(code)s 至少需要一个计分项") % {"code": template.code})
        for ind in indicators:
            if ind.scheme_id != scheme.pk:
                errors.append(
                    _("检查模板 %(code)s 含有其他版本的指标 %(indicator)s")
                    % {"code": template.code, "indicator": ind.code}
                )
            elif ind.kind == IndicatorKind.SCORED and ind.level != 3:
                errors.append(
                    _("检查模板 %(code)s 只能包含第 3 层计分指标和特殊项，%(indicator)s 不是")
                    % {"code": template.code, "indicator": ind.code}
                )
    return errors


def _checked_indicators(*, scheme: IndicatorScheme, indicator_ids: Iterable[int]) -> list[Indicator]:
    ids = set(indicator_ids)
    indicators = list(Indicator.objects.filter(template_leaves_q(), scheme=scheme, pk__in=ids))
    if len(indicators) != len(ids):
        raise ApplicationError(
            _("只能选择本版本的第 3 层计分指标和特殊项"), field_errors={"indicators": [_("选择的指标无效")]}
        )
    if not any(ind.kind == IndicatorKind.SCORED for ind in indicators):
        message = _("检查模板至少需要一个计分项，才能按其适用分值计分")
        raise ApplicationError(message, field_errors={"indicators": [message]})
    return indicators


@transaction.atomic
def check_template_save(
    *,
    scheme: IndicatorScheme,
    template: CheckTemplate | None = None,
    code: str,
    name_zh: str,
    name_en: str,
    indicator_ids: Iterable[int],
) -> CheckTemplate:
    """Create (``template`` None) or change a template of a draft scheme."""
    scheme = IndicatorScheme.objects.select_for_update().get(pk=scheme.pk)
    scheme_draft_check(scheme=scheme)
    if template is not None and template.scheme_id != scheme.pk:
        raise ApplicationError(_("检查模板不属于该指标体系版本"))
    code = code.strip()
    if not code:
        raise ApplicationError(_("请填写编码"), field_errors={"code": [_("请填写编码")]})
    indicators = _checked_indicators(scheme=scheme, indicator_ids=indicator_ids)
    if CheckTemplate.objects.filter(scheme=scheme, code=code).exclude(pk=getattr(template, "pk", None)).exists():
        message = _("编码 %(code)s 在本版本中已被使用") % {"code": code}
        raise ApplicationError(message, field_errors={"code": [message]})
    if template is None:
        order = (scheme.templates.aggregate(o=Max("order"))["o"] or 0) + 1
        template = CheckTemplate(scheme=scheme, order=order)
    template.code, template.name_zh, template.name_en = code, name_zh.strip(), name_en.strip()
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:  # a concurrent save took the code between the check and the write
        message = _("编码 %(code)s 在本版本中已被使用") % {"code": code}
        raise ApplicationError(message, field_errors={"code": [message]}) from exc
    template.indicators.set(indicators)
    return template


@transaction.atomic
def check_template_delete(*, template: CheckTemplate) -> None:
    scheme = IndicatorScheme.objects.select_for_update().get(pk=template.scheme_id)
    scheme_draft_check(scheme=scheme)
    template.delete()


def templates_copy(*, source: IndicatorScheme, target: IndicatorScheme) -> None:
    """Copy ``source``'s templates into ``target`` (a new draft), matching the indicators by code."""
    by_code = dict(Indicator.objects.filter(scheme=target).values_list("code", "pk"))
    originals = list(source.templates.prefetch_related("indicators").order_by("order", "pk"))
    copies = CheckTemplate.objects.bulk_create(
        [
            CheckTemplate(scheme=target, code=t.code, name_zh=t.name_zh, name_en=t.name_en, order=t.order)
            for t in originals
        ]
    )
    Through = CheckTemplate.indicators.through
    Through.objects.bulk_create(
        [
            Through(checktemplate_id=copy.pk, indicator_id=by_code[ind.code])
            for original, copy in zip(originals, copies, strict=True)
            for ind in original.indicators.all()
            if ind.code in by_code
        ]
    )


def templates_create_from_spec(*, scheme: IndicatorScheme, spec: list[tuple[str, str, str, list[str]]]) -> None:
    """Templates given as (code, zh, en, leaf codes), the shape of ``DEFAULT_TEMPLATES``."""
    by_code = dict(Indicator.objects.filter(scheme=scheme).values_list("code", "pk"))
    for order, (code, name_zh, name_en, codes) in enumerate(spec, start=1):
        template = CheckTemplate.objects.create(scheme=scheme, code=code, name_zh=name_zh, name_en=name_en, order=order)
        template.indicators.set([by_code[leaf] for leaf in codes])
