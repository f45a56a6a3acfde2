from django.urls import path

from incentives import views

app_name = "incentives"

urlpatterns = [
    path("pools/", views.pool_list_view, name="pool_list"),
    path("splits/", views.split_list_view, name="split_list"),
    path("splits/new/", views.split_run_view, name="split_run"),
    path("splits/<int:pk>/", views.split_detail_view, name="split_detail"),
    path("splits/<int:pk>/staff/", views.split_staff_view, name="split_staff"),
    path("splits/<int:pk>/approve/", views.split_approve_view, name="split_approve"),
    path("splits/<int:pk>/export.xlsx", views.split_export_view, name="split_export"),
    path("splits/<int:pk>/halls/<int:hall_pk>/", views.hall_bonus_detail_view, name="hall_bonus_detail"),
]
