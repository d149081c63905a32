from django.contrib import admin
from django.urls import include, path

from tocsin.alerting import intake
from tocsin.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/integrations/<str:token>/<str:kind>", intake.receive, name="intake"),
    path("v2/enqueue", intake.pagerduty_enqueue, name="pagerduty-enqueue"),
    path("api/v1/", api.urls),
    path("", include("tocsin.accounts.urls")),
    path("", include("tocsin.incidents.urls")),
]
