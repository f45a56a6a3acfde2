"""HQ edits draft schemes here (the issue allows admin editing for now); active and retired schemes are
read-only, because results point at them."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from halls.errors import ApplicationError
from halls.months import month_add, month_start
from inspections.models import Appeal, CoachingVisit, Indicator, IndicatorScheme, Inspection, Rectification
from inspections.services.tree import scheme_activate, scheme_copy_to_draft


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["code", "parent", "level", "name_zh", "name_en", "points", "kind", "allow_na", "is_complaint", "order"]
    extra = 0
    ordering = ["level", "order"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            scheme_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = (
                Indicator.objects.filter(scheme_id=scheme_id) if scheme_id else Indicator.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.is_editable

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.is_editable

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.is_editable


@admin.register(IndicatorScheme)
class IndicatorSchemeAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "effective_from", "state", "activated_at"]
    list_filter = ["state"]
    inlines = [IndicatorInline]
    actions = ["activate", "copy_to_draft"]
    readonly_fields = ["state", "based_on", "activated_at", "created_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.is_editable

    @admin.action(description=_("校验并启用所选草稿"))
    def activate(self, request, queryset):
        for scheme in queryset:
            try:
                scheme_activate(scheme=scheme, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                self.message_user(request, _("v%(v)s 已启用") % {"v": scheme.version})

    @admin.action(description=_("复制为下月生效的新草稿"))
    def copy_to_draft(self, request, queryset):
        for scheme in queryset:
            effective = month_add(month_start(timezone.localdate()), 1)
            draft = scheme_copy_to_draft(scheme=scheme, effective_from=effective, user=request.user)
            self.message_user(request, _("已创建草稿 v%(v)s") % {"v": draft.version})


# Inspections and their closed loop are changed through the pages (services keep the rules); the admin
# shows them read-only, with django-simple-history's change log per object.
class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["hall", "kind", "inspected_at", "state", "score", "vetoed"]
    list_filter = ["kind", "state", "month"]
    search_fields = ["hall__code", "hall__name"]
    list_select_related = ["hall"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["hall", "indicator", "state", "due_date", "escalation_level"]
    list_filter = ["state", "escalation_level"]
    list_select_related = ["hall", "indicator"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyHistoryAdmin):
    list_display = ["hall", "item", "state", "requested_points", "decided_points", "filed_at"]
    list_filter = ["state"]
    list_select_related = ["hall", "item"]


@admin.register(CoachingVisit)
class CoachingVisitAdmin(ReadOnlyHistoryAdmin):
    list_display = ["hall", "kind", "visit_date", "author"]
    list_filter = ["kind"]
    search_fields = ["content", "hall__name"]
    list_select_related = ["hall", "author"]
