from django.urls import path

from halls import views

app_name = "halls"

urlpatterns = [
    path("", views.hall_list_view, name="list"),
    path("<int:pk>/", views.hall_detail_view, name="detail"),
    path("<int:pk>/history/", views.hall_history_view, name="history"),
]
