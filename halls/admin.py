from django.contrib import admin

from halls.models import CityCompany, DistrictCompany, Hall, MarketingUnit, Staff, UserProfile


@admin.register(CityCompany)
class CityCompanyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(DistrictCompany)
class DistrictCompanyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city"]
    list_filter = ["city"]
    search_fields = ["code", "name"]


@admin.register(MarketingUnit)
class MarketingUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city"]
    list_filter = ["city"]
    search_fields = ["code", "name"]


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district", "marketing_unit", "is_active"]
    list_filter = ["kind", "is_active", "district__city"]
    search_fields = ["code", "name"]
    list_select_related = ["district", "marketing_unit"]
    autocomplete_fields = ["district", "marketing_unit"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "hall", "kind", "active_from", "active_to"]
    list_filter = ["kind"]
    search_fields = ["employee_no", "name", "hall__code"]
    list_select_related = ["hall"]
    autocomplete_fields = ["hall"]


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "hall"]
    list_filter = ["role"]
    filter_horizontal = ["cities", "districts"]
    autocomplete_fields = ["hall"]
