from django.urls import path

from inspections import offline_views, plan_views, views, views_tree

app_name = "inspections"

urlpatterns = [
    path("schemes/", views.scheme_list_view, name="scheme_list"),
    path("schemes/<int:pk>/", views.scheme_detail_view, name="scheme_detail"),
    # The tree editor and check templates (HQ).
    path("schemes/<int:pk>/copy/", views_tree.scheme_copy_view, name="scheme_copy"),
    path("schemes/<int:pk>/edit/", views_tree.scheme_edit_view, name="scheme_edit"),
    path("schemes/<int:pk>/activate/", views_tree.scheme_activate_view, name="scheme_activate"),
    path("schemes/<int:pk>/indicators/new/", views_tree.indicator_create_view, name="indicator_create"),
    path("schemes/indicators/<int:pk>/edit/", views_tree.indicator_update_view, name="indicator_update"),
    path("schemes/indicators/<int:pk>/move/", views_tree.indicator_move_view, name="indicator_move"),
    path("schemes/indicators/<int:pk>/delete/", views_tree.indicator_delete_view, name="indicator_delete"),
    path("schemes/<int:pk>/templates/new/", views_tree.check_template_create_view, name="template_create"),
    path("schemes/templates/<int:pk>/edit/", views_tree.check_template_update_view, name="template_update"),
    path("schemes/templates/<int:pk>/delete/", views_tree.check_template_delete_view, name="template_delete"),
    path("", views.inspection_list_view, name="list"),
    path("new/<int:hall_pk>/", views.inspection_start_view, name="start"),
    path("<int:pk>/", views.inspection_detail_view, name="detail"),
    path("<int:pk>/edit/", views.inspection_edit_view, name="edit"),
    path("<int:pk>/autosave/", offline_views.inspection_autosave_view, name="autosave"),
    path("<int:pk>/photo/", offline_views.inspection_photo_upload_view, name="photo_upload"),
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
