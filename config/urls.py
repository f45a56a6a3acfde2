from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from halls import urls as hall_urls
from halls import views as hall_views
from halls.forms import LoginForm
from incentives.views_staff import staff_detail_view
from inspections.offline_views import manifest_view, service_worker_view
from scoring.views.archive import hall_archive_pdf_view, hall_archive_xlsx_view, hall_detail_view
from scoring.views.staff import staff_bottom_view, staff_ranking_view

# A hall's page is its service archive, filled by grading: scoring serves it, under halls' name and path.
# So is a clerk's archive (it shows his bonus, which incentives reads) and the staff rankings.
hall_patterns = [
    *hall_urls.urlpatterns,
    path("<int:pk>/", hall_detail_view, name="detail"),
    path("<int:pk>/archive.xlsx", hall_archive_xlsx_view, name="archive_xlsx"),
    path("<int:pk>/archive.pdf", hall_archive_pdf_view, name="archive_pdf"),
    path("staff/<int:pk>/", staff_detail_view, name="staff_detail"),
    path("staff/ranking/", staff_ranking_view, name="staff_ranking"),
    path("staff/bottom/", staff_bottom_view, name="staff_bottom"),
]

urlpatterns = [
    path("", hall_views.home_view, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", hall_views.health_view, name="health"),
    # At the root: a service worker controls only the pages under the path it is served from.
    path("sw.js", service_worker_view, name="service_worker"),
    path("manifest.webmanifest", manifest_view, name="manifest"),
    path("i18n/setlang/", hall_views.language_set_view, name="set_language"),
    path("halls/", include((hall_patterns, hall_urls.app_name))),
    path("inspections/", include("inspections.urls")),
    path("surveys/", include("surveys.urls")),
    path("scoring/", include("scoring.urls")),
    path("incentives/", include("incentives.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "营业厅服务质量管理 · 后台"
admin.site.site_title = "营业厅服务质量管理"

# Error pages in the application's layout and the reader's language, also with DEBUG off.
handler400 = "halls.error_views.bad_request_view"
handler403 = "halls.error_views.permission_denied_view"
handler404 = "halls.error_views.page_not_found_view"
handler500 = "halls.error_views.server_error_view"
