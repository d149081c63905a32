"""The subscriber's pages, under /status/ for the default page and /status/pages/<slug>/."""

from django.urls import path

from . import views

urlpatterns = [
    path("subscribe", views.subscribe, name="statuspage-subscribe"),
    path("confirm/<str:token>", views.confirm, name="statuspage-confirm"),
    path("subscriptions/<str:token>", views.subscription, name="statuspage-subscription"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="statuspage-unsubscribe"),
    path("pages/<slug:slug>/subscribe", views.subscribe, name="statuspage-page-subscribe"),
    path("pages/<slug:slug>/confirm/<str:token>", views.confirm, name="statuspage-page-confirm"),
    path(
        "pages/<slug:slug>/subscriptions/<str:token>",
        views.subscription,
        name="statuspage-page-subscription",
    ),
    path(
        "pages/<slug:slug>/unsubscribe/<str:token>",
        views.unsubscribe,
        name="statuspage-page-unsubscribe",
    ),
]
