from django.urls import path

from scoring.views import reports

app_name = "scoring"

urlpatterns = [
    path("rankings/", reports.ranking_view, name="ranking"),
    path("rankings/export.xlsx", reports.ranking_export_view, name="ranking_export"),
    path("dashboard/", reports.dashboard_view, name="dashboard"),
    path("district/", reports.district_home_view, name="district_home"),
]
