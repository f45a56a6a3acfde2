from django.urls import path

from scoring.views import bulletins, complaints, grading, reports, satisfaction

app_name = "scoring"

urlpatterns = [
    path("rankings/", reports.ranking_view, name="ranking"),
    path("rankings/export.xlsx", reports.ranking_export_view, name="ranking_export"),
    path("dashboard/", reports.dashboard_view, name="dashboard"),
    path("district/", reports.district_home_view, name="district_home"),
    path("complaints/analysis/", complaints.complaint_analysis_view, name="complaint_analysis"),
    path("satisfaction/drivers/", satisfaction.satisfaction_drivers_view, name="satisfaction_drivers"),
    path("policies/", grading.policy_list_view, name="policy_list"),
    path("policies/<int:pk>/", grading.policy_update_view, name="policy_update"),
    path("grading/", grading.grading_list_view, name="grading"),
    path("grading/runs/<int:pk>/", grading.run_detail_view, name="run_detail"),
    path("grading/runs/<int:pk>/progress/", grading.run_progress_view, name="run_progress"),
    path("grading/runs/<int:pk>/publish/", grading.run_publish_view, name="run_publish"),
    path("grading/runs/<int:pk>/export/", grading.run_export_view, name="run_export"),
    path("bulletins/", bulletins.bulletin_list_view, name="bulletin_list"),
    path("bulletins/<int:pk>/pdf/", bulletins.bulletin_download_view, name="bulletin_download"),
]
