from django.urls import path

from .views import alerts, integrations, maintenance, rules

urlpatterns = [
    path("integrations/", integrations.integration_list, name="integration-list"),
    path("integrations/new/", integrations.integration_create, name="integration-create"),
    path("integrations/<int:pk>/", integrations.integration_detail, name="integration-detail"),
    path(
        "integrations/<int:pk>/settings/",
        integrations.integration_update,
        name="integration-update",
    ),
    path(
        "integrations/<int:pk>/rotate-token/",
        integrations.integration_rotate,
        name="integration-rotate",
    ),
    path(
        "integrations/<int:pk>/test-alert/",
        integrations.integration_test_alert,
        name="integration-test-alert",
    ),
    path("alerts/", alerts.alert_list, name="alert-list"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert-detail"),
    path("alerting/rules/", rules.rule_list, name="rule-list"),
    path("alerting/rules/new/", rules.rule_create, name="rule-create"),
    path("alerting/rules/<int:pk>/edit/", rules.rule_edit, name="rule-edit"),
    path("alerting/rules/<int:pk>/delete/", rules.rule_delete, name="rule-delete"),
    path("alerting/rules/<int:pk>/move/", rules.rule_move, name="rule-move"),
    path(
        "alerting/severity-mappings/",
        rules.severity_mapping_set,
        name="severity-mapping-set",
    ),
    path("maintenance/", maintenance.maintenance_list, name="maintenance-list"),
    path("maintenance/new/", maintenance.maintenance_create, name="maintenance-create"),
    path("maintenance/<int:pk>/end/", maintenance.maintenance_end, name="maintenance-end"),
]
