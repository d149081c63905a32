from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="status-index"),
    path("api/v2/<path:name>.json", views.api, name="status-api"),
    path("history.atom", views.serve, {"name": "history.atom"}, name="status-atom"),
    path("history.rss", views.serve, {"name": "history.rss"}, name="status-rss"),
    path("history", views.history, name="status-history"),
    path("incidents/<str:code>", views.item, {"kind": "incident"}, name="status-incident"),
    path("maintenances/<str:code>", views.item, {"kind": "maintenance"}, name="status-maintenance"),
    path("pages/<slug:slug>/", views.index, name="status-page-index"),
    path("pages/<slug:slug>/history", views.history, name="status-page-history"),
    path(
        "pages/<slug:slug>/incidents/<str:code>",
        views.item,
        {"kind": "incident"},
        name="status-page-incident",
    ),
    path(
        "pages/<slug:slug>/maintenances/<str:code>",
        views.item,
        {"kind": "maintenance"},
        name="status-page-maintenance",
    ),
    path("pages/<slug:slug>/api/v2/<path:name>.json", views.api, name="status-page-api"),
]
