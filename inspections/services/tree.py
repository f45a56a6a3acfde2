"""Indicator schemes: validate, activate, copy into a new draft, load the default tree."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from inspections.default_tree import DEFAULT_COMPLAINT_CODES, DEFAULT_TEMPLATES, DEFAULT_TREE
from inspections.models import Indicator, IndicatorKind, IndicatorScheme, SchemeState
from inspections.services.check_templates import templates_copy, templates_create_from_spec, templates_validate

TOTAL_POINTS = Decimal("100")


def points_text(value: Decimal | None) -> str:
    """Points as people write them: 39, 2.5 (not 39.00, 2.50)."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class TreeNode:
    """A node as validation sees it: from the database or from a specification not yet saved."""

    code: str
    parent_code: str | None
    level: int
    points: Decimal | None
    kind: str
    name: str = ""


def tree_validate(nodes: list[TreeNode]) -> list[str]:
    """Every reason the tree cannot be activated; empty when it is valid."""
    errors: list[str] = []
    seen: set[str] = set()
    for node in nodes:
        if node.code in seen:
            errors.append(_("指标编码重复：%(code)s") % {"code": node.code})
        seen.add(node.code)
    by_code = {node.code: node for node in nodes}
    children: dict[str | None, list[TreeNode]] = defaultdict(list)
    for node in nodes:
        children[node.parent_code].append(node)

    for node in nodes:
        parent = by_code.get(node.parent_code) if node.parent_code else None
        if node.parent_code and parent is None:
            errors.append(_("%(code)s 的上级指标 %(parent)s 不存在") % {"code": node.code, "parent": node.parent_code})
            continue
        expected_level = parent.level + 1 if parent else 1
        if node.level != expected_level:
            errors.append(
                _("%(code)s 的层级应为 %(expected)s，实际为 %(actual)s")
                % {"code": node.code, "expected": expected_level, "actual": node.level}
            )
        kids = children.get(node.code, [])
        if node.kind != IndicatorKind.SCORED:
            if kids:
                errors.append(
                    _("%(code)s 是%(kind)s，不能有下级指标")
                    % {"code": node.code, "kind": IndicatorKind(node.kind).label}
                )
            if node.kind in (IndicatorKind.DEDUCTION, IndicatorKind.BONUS) and not (node.points and node.points > 0):
                errors.append(
                    _("%(code)s 是%(kind)s，需要大于 0 的分值")
                    % {"code": node.code, "kind": IndicatorKind(node.kind).label}
                )
            continue
        if parent is not None and parent.kind != IndicatorKind.SCORED:
            errors.append(
                _("%(code)s 是计分项，不能挂在%(kind)s %(parent)s 之下")
                % {"code": node.code, "kind": IndicatorKind(parent.kind).label, "parent": parent.code}
            )
        if not kids:
            if node.level != 3:
                errors.append(
                    _("计分叶子指标 %(code)s 应在第 3 层，实际在第 %(level)s 层")
                    % {"code": node.code, "level": node.level}
                )
            if node.points is None or node.points <= 0:
                errors.append(_("计分叶子指标 %(code)s 缺少分值") % {"code": node.code})
            continue
        scored_kids = [kid for kid in kids if kid.kind == IndicatorKind.SCORED]
        if node.points is None:
            errors.append(_("%(code)s 缺少分值（应为下级指标分值之和）") % {"code": node.code})
            continue
        if any(kid.points is None for kid in scored_kids) and not any(children.get(kid.code) for kid in scored_kids):
            errors.append(
                _("分值应落在叶子指标上，而不是上级指标 %(code)s 上：请为其下级指标填写分值") % {"code": node.code}
            )
            continue
        total = sum((kid.points or Decimal("0") for kid in scored_kids), Decimal("0"))
        if total != node.points:
            errors.append(
                _("%(code)s 的下级指标分值之和为 %(total)s，与其分值 %(points)s 不符")
                % {"code": node.code, "total": points_text(total), "points": points_text(node.points)}
            )

    level1 = [n for n in nodes if n.level == 1 and n.kind == IndicatorKind.SCORED]
    if not level1:
        errors.append(_("指标体系至少需要一个计分的一级指标"))
    else:
        total = sum((n.points or Decimal("0") for n in level1), Decimal("0"))
        if total != TOTAL_POINTS:
            errors.append(_("一级指标分值之和为 %(total)s，应为 100") % {"total": points_text(total)})
    return errors


def _nodes_of(scheme: IndicatorScheme) -> list[TreeNode]:
    rows = scheme.indicators.select_related("parent").order_by("level", "order", "code")
    return [
        TreeNode(
            code=row.code,
            parent_code=row.parent.code if row.parent_id else None,
            level=row.level,
            points=row.points,
            kind=row.kind,
            name=row.name_zh,
        )
        for row in rows
    ]


def scheme_validate(*, scheme: IndicatorScheme) -> list[str]:
    """The tree's rules, then its check templates' (they are frozen with it)."""
    return tree_validate(_nodes_of(scheme)) + templates_validate(scheme=scheme)


@transaction.atomic
def scheme_activate(*, scheme: IndicatorScheme, user=None) -> IndicatorScheme:
    """Put a draft in force from its effective month. The scheme in force before it is retired, but
    keeps governing the months before; results scored against it keep pointing at it."""
    scheme = IndicatorScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.state != SchemeState.DRAFT:
        raise ApplicationError(
            _("只有草稿可以启用；v%(version)s 的状态是 %(state)s")
            % {"version": scheme.version, "state": scheme.get_state_display()}
        )
    errors = scheme_validate(scheme=scheme)
    if errors:
        raise ApplicationError(_("指标体系 v%(version)s 未通过校验") % {"version": scheme.version}, errors=errors)
    latest = IndicatorScheme.objects.exclude(state=SchemeState.DRAFT).order_by("-effective_from").first()
    if latest is not None and scheme.effective_from <= latest.effective_from:
        raise ApplicationError(
            _("生效月份须晚于现行版本 v%(version)s 的生效月份 %(month)s")
            % {"version": latest.version, "month": f"{latest.effective_from:%Y-%m}"}
        )
    IndicatorScheme.objects.filter(state=SchemeState.ACTIVE).update(state=SchemeState.RETIRED)
    scheme.state = SchemeState.ACTIVE
    scheme.activated_at = timezone.now()
    scheme.save(update_fields=["state", "activated_at"])
    return scheme


def _next_version() -> int:
    return (IndicatorScheme.objects.aggregate(v=Max("version"))["v"] or 0) + 1


@transaction.atomic
def scheme_copy_to_draft(
    *, scheme: IndicatorScheme, effective_from: dt.date, name: str = "", user=None
) -> IndicatorScheme:
    """A new draft version holding a copy of ``scheme``'s tree, to be edited and activated."""
    if effective_from.day != 1:
        raise ApplicationError(_("生效月份须为某月第一天"))
    draft = IndicatorScheme.objects.create(
        version=_next_version(),
        name=name or scheme.name,
        effective_from=effective_from,
        state=SchemeState.DRAFT,
        based_on=scheme,
        created_by=user,
    )
    originals = list(scheme.indicators.order_by("level", "order", "pk"))
    copies = {}
    for level in (1, 2, 3):
        batch = [
            Indicator(
                scheme=draft,
                parent=copies.get(orig.parent_id),
                level=orig.level,
                code=orig.code,
                name_zh=orig.name_zh,
                name_en=orig.name_en,
                points=orig.points,
                kind=orig.kind,
                allow_na=orig.allow_na,
                is_complaint=orig.is_complaint,
                order=orig.order,
            )
            for orig in originals
            if orig.level == level
        ]
        created = Indicator.objects.bulk_create(batch)
        originals_at_level = [orig for orig in originals if orig.level == level]
        copies.update({orig.pk: copy for orig, copy in zip(originals_at_level, created, strict=True)})
    templates_copy(source=scheme, target=draft)
    return draft


@transaction.atomic
def scheme_create_from_spec(
    *,
    spec: list[tuple],
    version: int | None = None,
    name: str,
    effective_from: dt.date,
    activate: bool = False,
    templates: list[tuple] = (),
    complaint_codes: frozenset[str] = frozenset(),
) -> IndicatorScheme:
    """Build a scheme from a nested specification (the shape of ``DEFAULT_TREE``), with its check
    templates (the shape of ``DEFAULT_TEMPLATES``); the deduction items coded in ``complaint_codes`` record
    substantiated complaints (``Indicator.is_complaint``)."""
    scheme = IndicatorScheme.objects.create(
        version=version or _next_version(), name=name, effective_from=effective_from, state=SchemeState.DRAFT
    )
    order = 0

    def add(nodes: list[tuple], parent: Indicator | None, level: int) -> None:
        nonlocal order
        for code, name_zh, name_en, points, kind, allow_na, kids in nodes:
            order += 1
            indicator = Indicator.objects.create(
                scheme=scheme,
                parent=parent,
                level=level,
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                points=None if points is None else Decimal(str(points)),
                kind=kind,
                allow_na=allow_na,
                is_complaint=code in complaint_codes,
                order=order,
            )
            add(kids, indicator, level + 1)

    add(spec, None, 1)
    templates_create_from_spec(scheme=scheme, spec=list(templates))
    if activate:
        scheme_activate(scheme=scheme)
        scheme.refresh_from_db()
    return scheme


DEFAULT_EFFECTIVE_FROM = dt.date(2025, 1, 1)


def default_tree_load() -> tuple[IndicatorScheme, bool]:
    """Load the default tree as version 1, with its default check templates (queue patrol, 5S environment),
    unless a scheme exists already. Returns (scheme, created)."""
    existing = IndicatorScheme.objects.order_by("version").first()
    if existing is not None:
        return existing, False
    scheme = scheme_create_from_spec(
        spec=DEFAULT_TREE,
        complaint_codes=DEFAULT_COMPLAINT_CODES,
        version=1,
        name="默认指标体系",
        effective_from=DEFAULT_EFFECTIVE_FROM,
        activate=True,
        templates=DEFAULT_TEMPLATES,
    )
    return scheme, True
