"""The management pages, mounted at /statuspage/."""

from django.urls import path

from . import (
    components,
    incident_page,
    incidents,
    maintenance,
    overview,
    pages,
    proposals,
    subscribers,
)

urlpatterns = [
    path("", overview.overview, name="statuspage-overview"),
    path("settings/", pages.page_settings, name="statuspage-settings"),
    path("pages/new/", pages.page_create, name="statuspage-page-create"),
    path("components/", components.component_list, name="statuspage-components"),
    path("components/new/", components.component_create, name="statuspage-component-create"),
    path("components/<str:code>/", components.component_edit, name="statuspage-component-edit"),
    path(
        "components/<str:code>/delete/",
        components.component_delete,
        name="statuspage-component-delete",
    ),
    path(
        "components/<str:code>/move/", components.component_move, name="statuspage-component-move"
    ),
    path(
        "components/<str:code>/status/",
        components.component_status,
        name="statuspage-component-status",
    ),
    path("groups/new/", components.group_create, name="statuspage-group-create"),
    path("groups/<str:code>/", components.group_edit, name="statuspage-group-edit"),
    path("groups/<str:code>/delete/", components.group_delete, name="statuspage-group-delete"),
    path("groups/<str:code>/move/", components.group_move, name="statuspage-group-move"),
    path("incidents/", incidents.incident_list, name="statuspage-incidents"),
    path("incidents/new/", incidents.incident_publish, name="statuspage-incident-publish"),
    path("incidents/<str:code>/", incidents.incident_detail, name="statuspage-incident"),
    path(
        "incidents/<str:code>/update/", incidents.incident_update, name="statuspage-incident-update"
    ),
    path(
        "incidents/<str:code>/resolve/",
        incidents.incident_resolve,
        name="statuspage-incident-resolve",
    ),
    path("incidents/<str:code>/edit/", incidents.incident_edit, name="statuspage-incident-edit"),
    path(
        "incidents/<str:code>/publish/",
        incidents.incident_publish_draft,
        name="statuspage-incident-publish-draft",
    ),
    path(
        "incidents/<str:code>/delete/", incidents.incident_delete, name="statuspage-incident-delete"
    ),
    path(
        "from-incident/<int:pk>/publish/",
        incident_page.publish,
        name="statuspage-from-incident-publish",
    ),
    path(
        "from-incident/<int:pk>/<str:code>/update/",
        incident_page.update,
        name="statuspage-from-incident-update",
    ),
    path(
        "from-incident/<int:pk>/<str:code>/resolve/",
        incident_page.resolve,
        name="statuspage-from-incident-resolve",
    ),
    path("maintenances/", maintenance.maintenance_list, name="statuspage-maintenances"),
    path(
        "maintenances/new/",
        maintenance.maintenance_schedule,
        name="statuspage-maintenance-schedule",
    ),
    path("maintenances/<str:code>/", maintenance.maintenance_detail, name="statuspage-maintenance"),
    path(
        "maintenances/<str:code>/update/",
        maintenance.maintenance_update,
        name="statuspage-maintenance-update",
    ),
    path(
        "maintenances/<str:code>/complete/",
        maintenance.maintenance_complete,
        name="statuspage-maintenance-complete",
    ),
    path(
        "maintenances/<str:code>/cancel/",
        maintenance.maintenance_cancel,
        name="statuspage-maintenance-cancel",
    ),
    path("subscribers/", subscribers.subscriber_list, name="statuspage-subscribers"),
    path(
        "subscribers/webhooks/",
        subscribers.subscriber_add_webhook,
        name="statuspage-subscriber-webhook",
    ),
    path(
        "subscribers/export.csv", subscribers.subscriber_export, name="statuspage-subscribers-csv"
    ),
    path(
        "subscribers/<str:code>/remove/",
        subscribers.subscriber_remove,
        name="statuspage-subscriber-remove",
    ),
    path("proposed-statuses/", proposals.proposed_statuses, name="statuspage-proposed"),
]
