"""Reads for indicator schemes and inspections."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from halls.errors import ApplicationError
from halls.models import Notification
from halls.months import month_start
from halls.people import person_name
from halls.selectors import scope_for
from inspections.models import (
    OUTSTANDING_STATES,
    Appeal,
    CheckTemplate,
    CoachingVisit,
    Indicator,
    IndicatorKind,
    IndicatorScheme,
    Inspection,
    InspectionItem,
    InspectionState,
    Photo,
    Rectification,
    SchemeState,
)


def scheme_in_force(*, on: dt.date) -> IndicatorScheme:
    """The scheme that governs ``on``'s month: the latest non-draft one effective by then."""
    month = month_start(on)
    scheme = (
        IndicatorScheme.objects.exclude(state=SchemeState.DRAFT)
        .filter(effective_from__lte=month)
        .order_by("-effective_from")
        .first()
    )
    if scheme is None:
        raise ApplicationError(_("%(month)s 没有生效的指标体系") % {"month": f"{month:%Y-%m}"})
    return scheme


def scheme_list() -> QuerySet[IndicatorScheme]:
    return IndicatorScheme.objects.all()


def scheme_templates(*, scheme: IndicatorScheme) -> list[CheckTemplate]:
    """The scheme's check templates with their indicators (two queries)."""
    return list(CheckTemplate.objects.filter(scheme=scheme).prefetch_related("indicators"))


def check_templates_in_force(*, on: dt.date) -> list[CheckTemplate]:
    """The check templates of the scheme in force on ``on`` (none when no scheme is)."""
    try:
        scheme = scheme_in_force(on=on)
    except ApplicationError:
        return []
    return list(CheckTemplate.objects.filter(scheme=scheme))


def scheme_tree(*, scheme: IndicatorScheme) -> list[dict]:
    """The scheme as nested dicts (one query), for the tree page and the inspection form."""
    indicators = list(Indicator.objects.filter(scheme=scheme).order_by("level", "order", "code"))
    nodes = {ind.pk: {"indicator": ind, "children": []} for ind in indicators}
    roots: list[dict] = []
    for ind in indicators:
        (nodes[ind.parent_id]["children"] if ind.parent_id else roots).append(nodes[ind.pk])
    return roots


# --- Inspections, rectifications, appeals, coaching: every read goes through the user's scope ---------


def inspection_list(
    *,
    user,
    hall_id: int | None = None,
    hall_text: str = "",
    kind: str = "",
    state: str = "",
    month: dt.date | None = None,
) -> QuerySet[Inspection]:
    qs = Inspection.objects.select_related("hall", "inspector", "scheme", "template")
    if hall_id is not None:
        qs = qs.filter(hall_id=hall_id)
    if hall_text:
        qs = qs.filter(Q(hall__code__icontains=hall_text) | Q(hall__name__icontains=hall_text))
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if month:
        qs = qs.filter(month=month)
    scope = scope_for(user)
    if scope.is_hall_manager:  # a draft is the inspector's work in progress, not yet a result
        qs = qs.filter(state=InspectionState.SUBMITTED)
    return scope.filter(qs)


def inspection_get(*, user, pk: int) -> Inspection:
    return get_object_or_404(inspection_list(user=user), pk=pk)


@dataclass
class EntryRow:
    """One row of the entry page or the inspection page: a node of the tree, its item and photos."""

    indicator: Indicator
    # The points the row stands for: the indicator's, or, in a check against a template, those of the
    # template's leaves beneath it.
    points: object = None
    item: InspectionItem | None = None
    photos: list = field(default_factory=list)
    children: list[EntryRow] = field(default_factory=list)
    rectification: Rectification | None = None
    appeals: list = field(default_factory=list)
    # For a hall manager: whether the item may be appealed now, and if not, why (see appeal_options_mark).
    appealable: bool = False
    appeal_refusal: str = ""


def inspection_rows(*, inspection: Inspection) -> tuple[list[EntryRow], list[EntryRow]]:
    """The scheme's tree with this inspection's items, photos, rectifications and appeals (five queries):
    (scored level-1 rows with their children, special items)."""
    items = {
        item.indicator_id: item
        for item in InspectionItem.objects.filter(inspection=inspection).select_related("rectification", "staff")
    }
    photos: dict[int, list[Photo]] = defaultdict(list)
    for photo in Photo.objects.filter(inspection=inspection).order_by("pk"):
        photos[photo.indicator_id].append(photo)
    appeals: dict[int, list[Appeal]] = defaultdict(list)
    for appeal in Appeal.objects.filter(inspection=inspection).order_by("filed_at"):
        appeals[appeal.item_id].append(appeal)
    tree = scheme_tree(scheme=inspection.scheme)
    if inspection.template_id:  # only the template's leaves, and the items above them
        chosen = set(inspection.template.indicators.values_list("pk", flat=True))
        tree = _pruned(tree, chosen)
    scored, special = [], []
    for node in tree:
        row = _row(node, items, photos, appeals)
        (scored if node["indicator"].kind == IndicatorKind.SCORED else special).append(row)
    return scored, special


def _pruned(nodes: list[dict], chosen: set[int]) -> list[dict]:
    """The nodes that are chosen or have a chosen descendant; each with the points of its chosen leaves."""
    kept = []
    for node in nodes:
        children = _pruned(node["children"], chosen)
        ind = node["indicator"]
        if children:
            points = sum((kid["points"] or 0 for kid in children if kid["indicator"].kind == IndicatorKind.SCORED), 0)
            kept.append({"indicator": ind, "children": children, "points": points})
        elif ind.pk in chosen:
            kept.append({"indicator": ind, "children": [], "points": ind.points})
    return kept


def _row(node: dict, items: dict, photos: dict, appeals: dict) -> EntryRow:
    ind = node["indicator"]
    item = items.get(ind.pk)
    return EntryRow(
        indicator=ind,
        points=node.get("points", ind.points),
        item=item,
        photos=photos.get(ind.pk, []),
        children=[_row(kid, items, photos, appeals) for kid in node["children"]],
        rectification=getattr(item, "rectification", None) if item else None,
        appeals=appeals.get(item.pk, []) if item else [],
    )


def inspection_audit(*, inspection: Inspection) -> list[dict]:
    """Every recorded change to the inspection, its items, rectifications and appeals, newest first:
    who, when, what, and each changed field's before and after, as the reader reads them (the field's verbose
    name, a choice's label, a person's name, in the active language)."""
    histories = [
        (_("检查"), Inspection.history.filter(id=inspection.pk)),
        (_("检查项"), InspectionItem.history.filter(inspection_id=inspection.pk).select_related("indicator")),
        (_("整改"), Rectification.history.filter(inspection_id=inspection.pk)),
        (_("申诉"), Appeal.history.filter(inspection_id=inspection.pk)),
    ]
    entries = []
    raw_changes: list[tuple[dict, object, object, object]] = []  # (entry, model field or None, old, new)
    for label, qs in histories:
        records = list(qs.select_related("history_user").order_by("id", "history_date", "history_id"))
        previous: dict[int, object] = {}
        for record in records:
            before = previous.get(record.id)
            previous[record.id] = record
            subject = label
            if hasattr(record, "indicator_id"):
                subject = f"{label} {record.indicator.code}" if record.indicator_id else label
            entry = {
                "when": record.history_date,
                "who": record.history_user,
                "action": record.get_history_type_display(),
                "subject": subject,
                "changes": [],
            }
            entries.append(entry)
            if before is None:
                continue
            for change in record.diff_against(before).changes:
                model_field = _model_field(record, change.field)
                label = str(model_field.verbose_name) if model_field else change.field
                entry["changes"].append(AuditChange(field=change.field, label=label))
                raw_changes.append((entry["changes"][-1], model_field, change.old, change.new))
    related = _related_objects(raw_changes)
    for change, model_field, old, new in raw_changes:
        change.old = _value_text(model_field, old, related)
        change.new = _value_text(model_field, new, related)
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


@dataclass
class AuditChange:
    """One field's change in the audit trail, as texts for the reader."""

    field: str
    label: str
    old: str = ""
    new: str = ""


def _model_field(record, name: str):
    try:
        return record.instance_type._meta.get_field(name)
    except FieldDoesNotExist:  # a field since removed from the model: shown under its raw name
        return None


def _related_objects(raw_changes) -> dict[tuple[type, object], object]:
    """The objects the changed foreign keys point to (people, mostly), one query per model."""
    wanted: dict[type, set] = defaultdict(set)
    for _change, model_field, old, new in raw_changes:
        if model_field is not None and model_field.is_relation:
            wanted[model_field.related_model].update(value for value in (old, new) if value is not None)
    found = {}
    for model, ids in wanted.items():
        for pk, obj in model._default_manager.in_bulk(ids).items():
            found[(model, pk)] = obj
    return found


def _value_text(model_field, value, related: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field is None:
        return str(value)
    if model_field.is_relation:
        obj = related.get((model_field.related_model, value))
        if obj is None:
            return str(value)
        return person_name(obj) if model_field.related_model is get_user_model() else str(obj)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def rectification_list(*, user, state: str = "", overdue: bool = False, today: dt.date | None = None):
    qs = Rectification.objects.select_related("hall", "indicator", "inspection")
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(state__in=OUTSTANDING_STATES, due_date__lt=today)
    return scope_for(user).filter(qs)


def rectification_get(*, user, pk: int) -> Rectification:
    return get_object_or_404(rectification_list(user=user).select_related("item"), pk=pk)


def appeal_list(*, user, state: str = "") -> QuerySet[Appeal]:
    qs = Appeal.objects.select_related("hall", "item__indicator", "inspection", "filed_by")
    if state:
        qs = qs.filter(state=state)
    return scope_for(user).filter(qs)


def appeal_get(*, user, pk: int) -> Appeal:
    return get_object_or_404(appeal_list(user=user), pk=pk)


def item_get(*, user, pk: int) -> InspectionItem:
    qs = InspectionItem.objects.select_related("inspection__hall", "indicator").filter(
        inspection__state=InspectionState.SUBMITTED
    )
    return get_object_or_404(scope_for(user).filter(qs, hall_path="inspection__hall"), pk=pk)


def coaching_list(
    *, user, hall_id: int, text: str = "", date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[CoachingVisit]:
    qs = CoachingVisit.objects.filter(hall_id=hall_id).select_related("author")
    if text:
        qs = qs.filter(content__icontains=text)
    if date_from:
        qs = qs.filter(visit_date__gte=date_from)
    if date_to:
        qs = qs.filter(visit_date__lte=date_to)
    return scope_for(user).filter(qs)


def photo_get(*, user, pk: int) -> Photo:
    scope = scope_for(user)
    photos = Photo.objects.all()
    if scope.is_hall_manager:  # not the photos of a draft he cannot see yet
        photos = photos.filter(Q(inspection__isnull=True) | Q(inspection__state=InspectionState.SUBMITTED))
    return get_object_or_404(scope.filter(photos), pk=pk)


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


SCHEME_LEAVES_CACHE_SECONDS = 24 * 3600


def scheme_leaves(*, scheme_id: int, template_id: int | None = None) -> list[Indicator]:
    """The indicators an inspection records: scored level-3 leaves and the special items (those of
    ``template_id`` alone for a check entered against a template).

    Every save and every entry page of an inspection reads them. Only a draft scheme (with its templates)
    can be edited, and no inspection is scored against a draft, so an activated scheme's leaves are kept
    in the cache."""
    key = f"scheme-leaves:{scheme_id}" + (f":{template_id}" if template_id else "")
    cached = cache.get(key)
    if cached is not None:
        return cached
    leaves = Q(kind=IndicatorKind.SCORED, level=3) | ~Q(kind=IndicatorKind.SCORED)
    if template_id:
        leaves &= Q(templates=template_id)
    rows = list(
        Indicator.objects.filter(leaves, scheme_id=scheme_id).select_related("scheme").order_by("order", "code")
    )
    if rows and not rows[0].scheme.is_editable:
        cache.set(key, rows, SCHEME_LEAVES_CACHE_SECONDS)
    return rows


# --- The tree editor: only a draft's items and templates can be opened for editing ---------------------


def draft_scheme_get(*, pk: int) -> IndicatorScheme:
    return get_object_or_404(IndicatorScheme.objects.filter(state=SchemeState.DRAFT), pk=pk)


def draft_indicator_get(*, pk: int) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("scheme", "parent").filter(scheme__state=SchemeState.DRAFT), pk=pk
    )


def draft_template_get(*, pk: int) -> CheckTemplate:
    return get_object_or_404(
        CheckTemplate.objects.select_related("scheme").filter(scheme__state=SchemeState.DRAFT), pk=pk
    )


def inspection_entry_values(*, inspection: Inspection) -> dict[str, str | bool]:
    """The draft as the server holds it, by entry field name (as the entry page would show it)."""
    values: dict[str, str | bool] = {"note": inspection.note}
    for item in inspection.items.select_related("indicator"):
        pk = item.indicator_id
        if item.indicator.kind == IndicatorKind.VETO:
            values[f"veto_{pk}"] = True
        else:
            values[f"points_{pk}"] = "" if item.points is None else f"{item.points.normalize():f}"
            values[f"na_{pk}"] = item.not_applicable
        values[f"note_{pk}"] = item.note
        values[f"staff_{pk}"] = "" if item.staff_id is None else str(item.staff_id)
    return values
