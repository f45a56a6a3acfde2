"""The indicator tree edited in the application by HQ: items of a draft scheme added, changed, moved and
removed.

Each change is checked at once for what the database could not hold (a fourth level, an item under a
veto, deduction or bonus item, a code used twice, an item under its own descendant); the rules of a
complete tree (leaves carry the points, level-1 items sum to 100, ...) are those of
``inspections.services.tree.tree_validate``, shown on the editor page while editing and enforced on
activation. After every change the scheme is renumbered in tree order and each scored parent's points
are set to the sum of its scored children's, so HQ sets points on the leaves only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from inspections.models import Indicator, IndicatorKind, IndicatorScheme
from inspections.services.check_templates import scheme_draft_check

MAX_LEVEL = 3
UP, DOWN = "up", "down"


def _locked_draft(scheme_id: int) -> IndicatorScheme:
    scheme = IndicatorScheme.objects.select_for_update().get(pk=scheme_id)
    scheme_draft_check(scheme=scheme)
    return scheme


def _tree(scheme: IndicatorScheme) -> tuple[list[Indicator], dict[int | None, list[Indicator]]]:
    rows = list(Indicator.objects.filter(scheme=scheme).order_by("order", "code"))
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    return rows, children


def _height(node_id: int, children: dict[int | None, list[Indicator]]) -> int:
    """Levels from ``node_id`` down to its deepest descendant (1 for a leaf)."""
    return 1 + max((_height(kid.pk, children) for kid in children.get(node_id, [])), default=0)


def _descendant_ids(node_id: int, children: dict[int | None, list[Indicator]]) -> set[int]:
    found: set[int] = set()
    for kid in children.get(node_id, []):
        found |= {kid.pk, *_descendant_ids(kid.pk, children)}
    return found


def scheme_tidy(*, scheme: IndicatorScheme) -> None:
    """Renumber the scheme in tree order, set each level from the depth, and each scored parent's points to
    the sum of its scored children's (one read, one bulk write of what changed)."""
    rows, children = _tree(scheme)
    changed: dict[int, Indicator] = {}
    counter = 0

    def walk(node: Indicator, level: int) -> None:
        nonlocal counter
        counter += 1
        for name, value in (("order", counter), ("level", level)):
            if getattr(node, name) != value:
                setattr(node, name, value)
                changed[node.pk] = node
        kids = children.get(node.pk, [])
        for kid in kids:
            walk(kid, level + 1)
        scored = [kid for kid in kids if kid.kind == IndicatorKind.SCORED]
        if node.kind == IndicatorKind.SCORED and scored:
            total = sum((kid.points or Decimal("0") for kid in scored), Decimal("0"))
            if node.points != total:
                node.points = total
                changed[node.pk] = node

    for root in children.get(None, []):
        walk(root, 1)
    if changed:
        Indicator.objects.bulk_update(list(changed.values()), ["order", "level", "points"])


def _fields_check(
    *,
    scheme: IndicatorScheme,
    indicator: Indicator | None,
    parent: Indicator | None,
    code: str,
    kind: str,
    points: Decimal | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("请填写编码")]
    elif Indicator.objects.filter(scheme=scheme, code=code).exclude(pk=getattr(indicator, "pk", None)).exists():
        errors["code"] = [_("编码 %(code)s 在本版本中已被使用") % {"code": code}]
    if kind not in IndicatorKind.values:
        errors["kind"] = [_("类型无效")]
    elif kind != IndicatorKind.SCORED and parent is not None:
        errors["parent"] = [_("一票否决、扣分和加分项放在顶层，不能有上级指标")]
    if points is not None and points < 0:
        errors["points"] = [_("分值不能为负数")]
    return errors


def _parent_check(
    *, scheme: IndicatorScheme, parent: Indicator | None, children: dict, moving: Indicator | None
) -> dict[str, list[str]]:
    if parent is None:
        return {}
    if parent.scheme_id != scheme.pk:
        return {"parent": [_("上级指标不属于该版本")]}
    if parent.kind != IndicatorKind.SCORED:
        return {"parent": [_("%(kind)s不能有下级指标") % {"kind": IndicatorKind(parent.kind).label}]}
    height = _height(moving.pk, children) if moving is not None else 1
    if moving is not None and (parent.pk == moving.pk or parent.pk in _descendant_ids(moving.pk, children)):
        return {"parent": [_("不能移到自身或其下级指标之下")]}
    if parent.level + height > MAX_LEVEL:
        return {"parent": [_("指标体系最多三层：%(code)s 之下放不下") % {"code": parent.code}]}
    return {}


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ApplicationError(_("修改有误，请按提示修改；本次未保存任何内容"), field_errors=errors)


def _clean(kind: str, points: Decimal | None, allow_na: bool) -> tuple[Decimal | None, bool]:
    """A veto item carries no points; only scored items may be marked not applicable."""
    if kind == IndicatorKind.VETO:
        points = None
    return points, allow_na and kind == IndicatorKind.SCORED


@transaction.atomic
def indicator_create(
    *,
    scheme: IndicatorScheme,
    parent: Indicator | None,
    code: str,
    name_zh: str,
    name_en: str,
    kind: str,
    points: Decimal | None,
    allow_na: bool = False,
) -> Indicator:
    """A new item of a draft scheme, last among its siblings (a level-1 item or special item when
    ``parent`` is None)."""
    scheme = _locked_draft(scheme.pk)
    code = code.strip()
    _rows, children = _tree(scheme)
    errors = _fields_check(scheme=scheme, indicator=None, parent=parent, code=code, kind=kind, points=points)
    errors.update(_parent_check(scheme=scheme, parent=parent, children=children, moving=None))
    _raise(errors)
    points, allow_na = _clean(kind, points, allow_na)
    last = Indicator.objects.filter(scheme=scheme).aggregate(o=Max("order"))["o"] or 0
    indicator = Indicator.objects.create(
        scheme=scheme,
        parent=parent,
        level=parent.level + 1 if parent else 1,
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        kind=kind,
        points=points,
        allow_na=allow_na,
        order=last + 1,
    )
    scheme_tidy(scheme=scheme)
    indicator.refresh_from_db()
    return indicator


@transaction.atomic
def indicator_update(
    *,
    indicator: Indicator,
    parent: Indicator | None,
    code: str,
    name_zh: str,
    name_en: str,
    kind: str,
    points: Decimal | None,
    allow_na: bool = False,
) -> Indicator:
    """Change an item of a draft scheme; a new ``parent`` moves it, with its children, to the end of the
    new parent's items. A scored item with children takes its points from them."""
    scheme = _locked_draft(indicator.scheme_id)
    indicator = Indicator.objects.get(pk=indicator.pk)
    code = code.strip()
    _rows, children = _tree(scheme)
    errors = _fields_check(scheme=scheme, indicator=indicator, parent=parent, code=code, kind=kind, points=points)
    if kind != IndicatorKind.SCORED and children.get(indicator.pk):
        errors["kind"] = [_("有下级指标的指标只能是计分项")]
    errors.update(_parent_check(scheme=scheme, parent=parent, children=children, moving=indicator))
    _raise(errors)
    points, allow_na = _clean(kind, points, allow_na)
    if indicator.parent_id != getattr(parent, "pk", None):
        indicator.parent = parent
        indicator.order = (Indicator.objects.filter(scheme=scheme).aggregate(o=Max("order"))["o"] or 0) + 1
        indicator.level = parent.level + 1 if parent else 1
    indicator.code, indicator.name_zh, indicator.name_en = code, name_zh.strip(), name_en.strip()
    indicator.kind, indicator.points, indicator.allow_na = kind, points, allow_na
    indicator.save()  # its children's levels follow in scheme_tidy (the new depth was checked above)
    scheme_tidy(scheme=scheme)
    indicator.refresh_from_db()
    return indicator


@transaction.atomic
def indicator_move(*, indicator: Indicator, direction: str) -> Indicator:
    """Swap an item with its previous (``up``) or next (``down``) sibling; at either end nothing moves."""
    if direction not in (UP, DOWN):
        raise ApplicationError(_("移动方向无效"))
    scheme = _locked_draft(indicator.scheme_id)
    _rows, children = _tree(scheme)
    siblings = children[indicator.parent_id]
    index = next(i for i, sib in enumerate(siblings) if sib.pk == indicator.pk)
    other = index - 1 if direction == UP else index + 1
    if 0 <= other < len(siblings):
        mine, theirs = siblings[index], siblings[other]
        mine.order, theirs.order = theirs.order, mine.order
        Indicator.objects.bulk_update([mine, theirs], ["order"])
        scheme_tidy(scheme=scheme)
    return Indicator.objects.get(pk=indicator.pk)


@transaction.atomic
def indicator_delete(*, indicator: Indicator) -> int:
    """Remove an item of a draft scheme with everything beneath it (and from the draft's templates);
    the number of items removed."""
    scheme = _locked_draft(indicator.scheme_id)
    _rows, children = _tree(scheme)
    removed = 1 + len(_descendant_ids(indicator.pk, children))
    Indicator.objects.filter(pk=indicator.pk).delete()
    scheme_tidy(scheme=scheme)
    return removed


@transaction.atomic
def scheme_settings_update(*, scheme: IndicatorScheme, name: str, effective_from: dt.date) -> IndicatorScheme:
    """A draft's name and the month from which it would be in force."""
    scheme = _locked_draft(scheme.pk)
    if effective_from.day != 1:
        raise ApplicationError(
            _("生效月份须为某月第一天"), field_errors={"effective_from": [_("生效月份须为某月第一天")]}
        )
    scheme.name, scheme.effective_from = name.strip() or scheme.name, effective_from
    scheme.save(update_fields=["name", "effective_from"])
    return scheme
