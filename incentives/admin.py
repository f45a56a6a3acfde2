from django.contrib import admin

from incentives.models import BonusPool, BonusSplit, CoefficientTable


@admin.register(CoefficientTable)
class CoefficientTableAdmin(admin.ModelAdmin):
    """HQ adds a new version to change coefficients; past splits keep the version they used."""

    list_display = ["version", "effective_from", "grade_a", "grade_b", "grade_c", "grade_d", "supervised", "vetoed"]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.splits.exists()

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.splits.exists()


@admin.register(BonusPool)
class BonusPoolAdmin(admin.ModelAdmin):
    list_display = ["marketing_unit", "month", "amount", "updated_by", "updated_at"]
    list_filter = ["month"]
    readonly_fields = ["marketing_unit", "month", "amount", "import_batch", "updated_by", "updated_at"]

    def has_add_permission(self, request):
        return False  # pools are set on the pools page, which refuses a frozen month


@admin.register(BonusSplit)
class BonusSplitAdmin(admin.ModelAdmin):
    list_display = ["month", "revision", "state", "grading_run", "pool_total", "staff_total", "approved_at"]
    list_filter = ["state"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
