from django.urls import path

from . import views

# The incident page itself (incidents/<pk>/, "incident-detail") is in tocsin/pages/.
urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/new/", views.incident_declare, name="incident-declare"),
    path("incidents/<int:pk>/live/", views.incident_live, name="incident-live"),
    path(
        "incidents/<int:pk>/acknowledge/", views.incident_acknowledge, name="incident-acknowledge"
    ),
    path("incidents/<int:pk>/assign/", views.incident_assign, name="incident-assign"),
    path("incidents/<int:pk>/status/", views.incident_status, name="incident-status"),
    path("incidents/<int:pk>/resolve/", views.incident_resolve, name="incident-resolve"),
    path("incidents/<int:pk>/cancel/", views.incident_cancel, name="incident-cancel"),
    path("incidents/<int:pk>/reopen/", views.incident_reopen, name="incident-reopen"),
    path("incidents/<int:pk>/severity/", views.incident_severity, name="incident-severity"),
    path("incidents/<int:pk>/roles/", views.incident_role, name="incident-role"),
    path(
        "incidents/<int:pk>/roles/remove/",
        views.incident_role_remove,
        name="incident-role-remove",
    ),
    path("incidents/<int:pk>/notes/", views.incident_note, name="incident-note"),
]
