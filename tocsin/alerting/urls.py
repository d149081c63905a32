from django.urls import path

from . import views

urlpatterns = [
    path("integrations/", views.integration_list, name="integration-list"),
    path("integrations/new/", views.integration_create, name="integration-create"),
    path("integrations/<int:pk>/", views.integration_detail, name="integration-detail"),
    path("integrations/<int:pk>/settings/", views.integration_update, name="integration-update"),
    path(
        "integrations/<int:pk>/rotate-token/",
        views.integration_rotate,
        name="integration-rotate",
    ),
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("alerting/rules/", views.rule_list, name="rule-list"),
    path("alerting/rules/new/", views.rule_create, name="rule-create"),
    path("alerting/rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("alerting/rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("alerting/rules/<int:pk>/move/", views.rule_move, name="rule-move"),
    path(
        "alerting/severity-mappings/",
        views.severity_mapping_set,
        name="severity-mapping-set",
    ),
    path("maintenance/", views.maintenance_list, name="maintenance-list"),
    path("maintenance/new/", views.maintenance_create, name="maintenance-create"),
    path("maintenance/<int:pk>/end/", views.maintenance_end, name="maintenance-end"),
]
