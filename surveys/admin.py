from django.contrib import admin

from surveys.models import PhoneDisclosure


@admin.register(PhoneDisclosure)
class PhoneDisclosureAdmin(admin.ModelAdmin):
    """Who was shown which dissatisfied customer's full number, and when: read only."""

    list_display = ["shown_at", "shown_to", "case"]
    list_filter = ["shown_at"]
    readonly_fields = ["case", "shown_to", "shown_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
