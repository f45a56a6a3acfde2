from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("schemes/", views.scheme_list_view, name="scheme_list"),
    path("schemes/<int:pk>/", views.scheme_detail_view, name="scheme_detail"),
]
