from django.urls import include, path

from . import views

urlpatterns = [
    path("tickets/", views.ticket_list, name="ticket-list"),
    path("tickets/new/", views.ticket_create, name="ticket-create"),
    path("tickets/settings/", views.ticket_settings, name="ticket-settings"),
    path("tickets/settings/urgency/", views.urgency_cell_set, name="ticket-urgency-set"),
    path("tickets/settings/severity/", views.urgency_severity_set, name="ticket-severity-set"),
    path("tickets/settings/team/", views.classification_team_set, name="ticket-team-set"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/triage/", views.ticket_triage, name="ticket-triage"),
    path("tickets/<int:pk>/escalate/", views.ticket_escalate, name="ticket-escalate"),
    path("tickets/<int:pk>/close/", views.ticket_close, name="ticket-close"),
    path("tickets/<int:pk>/reopen/", views.ticket_reopen, name="ticket-reopen"),
    path("tickets/<int:pk>/comment/", views.ticket_comment, name="ticket-comment"),
    path("tickets/<int:pk>/watch/", views.ticket_watch, name="ticket-watch"),
    path("", include("tocsin.tickets.attachments.urls")),
]
