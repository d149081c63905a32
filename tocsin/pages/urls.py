from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/contact-methods/", views.contact_method_add, name="contact-method-add"),
    path(
        "profile/contact-methods/<int:contact_method_id>/remove/",
        views.contact_method_remove,
        name="contact-method-remove",
    ),
    path("profile/tokens/", views.api_token_create, name="api-token-create"),
    path("profile/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/<slug:slug>/", views.team_detail, name="team-detail"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
]
