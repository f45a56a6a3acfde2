from django.urls import path

from halls import views

app_name = "halls"

# The hall's own page (``halls:detail``, ``<pk>/``) is its service archive, which scoring serves: the project's
# URL configuration adds it to this namespace.

urlpatterns = [
    path("", views.hall_list_view, name="list"),
    path("<int:pk>/history/", views.hall_history_view, name="history"),
]
