from django.urls import path

from . import views

urlpatterns = [
    path("postmortems/", views.postmortem_list, name="postmortem-list"),
    path("postmortems/template/", views.postmortem_template, name="postmortem-template"),
    path("postmortems/<int:pk>/", views.postmortem_detail, name="postmortem-detail"),
    path("postmortems/<int:pk>/edit/", views.postmortem_edit, name="postmortem-edit"),
    path(
        "postmortems/<int:pk>/review-requests/",
        views.postmortem_request_review,
        name="postmortem-request-review",
    ),
    path("postmortems/<int:pk>/reviews/", views.postmortem_review, name="postmortem-review"),
    path("postmortems/<int:pk>/comments/", views.postmortem_comment, name="postmortem-comment"),
    path("postmortems/<int:pk>/publish/", views.postmortem_publish, name="postmortem-publish"),
    path("postmortems/<int:pk>.md", views.postmortem_markdown, name="postmortem-markdown"),
    path(
        "incidents/<int:pk>/postmortem/start/",
        views.postmortem_start,
        name="postmortem-start",
    ),
]
