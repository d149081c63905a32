from django.urls import path

from . import views

urlpatterns = [
    path(
        "incidents/<int:pk>/situation-report/regenerate/",
        views.regenerate,
        name="situation-regenerate",
    ),
    path(
        "incidents/<int:pk>/situation-report.md",
        views.report_markdown,
        name="situation-markdown",
    ),
    path(
        "incidents/<int:pk>/stakeholders/",
        views.incident_stakeholders,
        name="situation-incident-stakeholders",
    ),
    path(
        "teams/<slug:slug>/stakeholders/",
        views.team_stakeholders,
        name="situation-team-stakeholders",
    ),
    path(
        "stakeholders/<int:stakeholder_pk>/remove/",
        views.stakeholder_remove,
        name="situation-stakeholder-remove",
    ),
]
