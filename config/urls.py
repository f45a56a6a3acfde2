from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from halls import urls as hall_urls
from halls import views as hall_views
from halls.forms import LoginForm
from scoring.views.archive import hall_archive_pdf_view, hall_archive_xlsx_view, hall_detail_view

# A hall's page is its service archive, filled by grading: scoring serves it, under halls' name and path.
hall_patterns = [
    *hall_urls.urlpatterns,
    path("<int:pk>/", hall_detail_view, name="detail"),
    path("<int:pk>/archive.xlsx", hall_archive_xlsx_view, name="archive_xlsx"),
    path("<int:pk>/archive.pdf", hall_archive_pdf_view, name="archive_pdf"),
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
    path("i18n/", include("django.conf.urls.i18n")),
    path("halls/", include((hall_patterns, hall_urls.app_name))),
    path("inspections/", include("inspections.urls")),
    path("surveys/", include("surveys.urls")),
    path("scoring/", include("scoring.urls")),
    path("incentives/", include("incentives.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "营业厅服务质量管理 · 后台"
admin.site.site_title = "营业厅服务质量管理"
