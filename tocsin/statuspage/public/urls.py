from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="status-index"),
    path("api/v2/<path:name>.json", views.api, name="status-api"),
    path("history.atom", views.serve, {"name": "history.atom"}, name="status-atom"),
    path("history.rss", views.serve, {"name": "history.rss"}, name="status-rss"),
    path("pages/<slug:slug>/", views.index, name="status-page-index"),
    path("pages/<slug:slug>/api/v2/<path:name>.json", views.api, name="status-page-api"),
]
