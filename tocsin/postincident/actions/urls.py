from django.urls import path

from . import views

urlpatterns = [
    path("follow-ups/", views.follow_ups, name="follow-ups"),
    path("action-items/<int:pk>/", views.action_item_detail, name="action-item-detail"),
    path("action-items/<int:pk>/status/", views.action_item_status, name="action-item-status"),
    path(
        "postmortems/<int:pk>/action-items/",
        views.add_action_item,
        name="postmortem-add-action-item",
    ),
    path(
        "postmortems/<int:pk>/action-items/add-runbook/",
        views.suggest_runbook,
        name="postmortem-suggest-runbook",
    ),
]
