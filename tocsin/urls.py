from django.contrib import admin
from django.urls import include, path

from tocsin.alerting import intake
from tocsin.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    # The API first: its /integrations/<id>/rotate-token would otherwise look like an intake
    # URL; every other integrations/<token>/<kind> falls through the API to the intake.
    path("api/v1/", api.urls),
    path("api/v1/integrations/<str:token>/<str:kind>", intake.receive, name="intake"),
    path("v2/enqueue", intake.pagerduty_enqueue, name="pagerduty-enqueue"),
    path("", include("tocsin.accounts.urls")),
    path("", include("tocsin.incidents.urls")),
    path("", include("tocsin.alerting.urls")),
    path("", include("tocsin.oncall.urls")),
    path("", include("tocsin.notify.urls")),
    path("", include("tocsin.webhooks.urls")),
    path("", include("tocsin.pages.urls")),
]
