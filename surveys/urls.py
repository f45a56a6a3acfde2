from django.urls import path

from surveys import care_views, views

app_name = "surveys"

urlpatterns = [
    path("imports/", views.import_list_view, name="import_list"),
    path("imports/template/", views.import_template_view, name="import_template"),
    path("imports/<int:pk>/", views.import_detail_view, name="import_detail"),
    path("imports/<int:pk>/status/", views.import_status_view, name="import_status"),
    path("imports/<int:pk>/file/", views.import_file_view, name="import_file"),
    path("imports/<int:pk>/errors.csv", views.import_errors_view, name="import_errors"),
    path("surveys/<int:pk>/responses/new/", views.response_create_view, name="response_create"),
    path("repairs/", views.repair_case_list_view, name="repair_list"),
    path("repairs/<int:pk>/", views.repair_case_update_view, name="repair_update"),
    path("complaints/care/", care_views.care_list_view, name="care_list"),
    path("complaints/care/<int:pk>/", care_views.care_update_view, name="care_update"),
    path("visits/<int:pk>/", views.visit_detail_view, name="visit_detail"),
]
