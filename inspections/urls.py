from django.urls import path

from inspections import plan_views, views

app_name = "inspections"

urlpatterns = [
    path("schemes/", views.scheme_list_view, name="scheme_list"),
    path("schemes/<int:pk>/", views.scheme_detail_view, name="scheme_detail"),
    path("", views.inspection_list_view, name="list"),
    path("new/<int:hall_pk>/", views.inspection_start_view, name="start"),
    path("<int:pk>/", views.inspection_detail_view, name="detail"),
    path("<int:pk>/edit/", views.inspection_edit_view, name="edit"),
    path("photos/<int:pk>/", views.photo_view, name="photo"),
    path("rectifications/", views.rectification_list_view, name="rectification_list"),
    path("rectifications/<int:pk>/", views.rectification_detail_view, name="rectification_detail"),
    path("items/<int:item_pk>/appeal/", views.appeal_create_view, name="appeal_create"),
    path("appeals/", views.appeal_list_view, name="appeal_list"),
    path("appeals/<int:pk>/", views.appeal_detail_view, name="appeal_detail"),
    path("halls/<int:hall_pk>/coaching/", views.coaching_list_view, name="coaching_list"),
    path("plans/", plan_views.plan_list_view, name="plan_list"),
    path("plans/<int:pk>/", plan_views.plan_detail_view, name="plan_detail"),
    path("plans/compliance/", plan_views.plan_compliance_view, name="plan_compliance"),
    path("notifications/", views.notification_list_view, name="notification_list"),
]
