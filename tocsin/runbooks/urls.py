from django.urls import path

from . import views

urlpatterns = [
    path("runbooks/", views.runbook_list, name="runbook-list"),
    path("runbooks/new/", views.runbook_create, name="runbook-create"),
    path("runbooks/<slug:slug>/", views.runbook_detail, name="runbook-detail"),
    path("runbooks/<slug:slug>/edit/", views.runbook_edit, name="runbook-edit"),
    path("runbooks/<slug:slug>/versions/", views.runbook_versions, name="runbook-versions"),
    path("alert-catalogue/", views.alert_catalogue, name="alert-catalogue"),
    path("incidents/<int:pk>/runbook/tick/", views.tick, name="runbook-tick"),
    path("incidents/<int:pk>/runbook/untick/", views.untick, name="runbook-untick"),
]
