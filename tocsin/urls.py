from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from tocsin import manual
from tocsin.alerting import intake
from tocsin.api import api, not_found

urlpatterns = [
    # The status page first: the public page is the address that takes the most traffic when
    # something is down, and each pattern tried before it costs every request.
    path("", include("tocsin.statuspage.urls")),
    path("admin/", admin.site.urls),
    # The API first: its /integrations/<id>/rotate-token would otherwise look like an intake
    # URL; every other integrations/<token>/<kind> falls through the API to the intake.
    path("api/v1/", api.urls),
    path("api/v1/integrations/<str:token>/<str:kind>", intake.receive, name="intake"),
    path("v2/enqueue", intake.pagerduty_enqueue, name="pagerduty-enqueue"),
    path("v2/change/enqueue", intake.pagerduty_change_enqueue, name="pagerduty-change-enqueue"),
    path("", include("tocsin.accounts.urls")),
    path("", include("tocsin.incidents.urls")),
    path("", include("tocsin.alerting.urls")),
    path("", include("tocsin.oncall.urls")),
    path("", include("tocsin.notify.urls")),
    path("", include("tocsin.webhooks.urls")),
    path("", include("tocsin.runbooks.urls")),
    path("", include("tocsin.hotfixes.urls")),
    path("", include("tocsin.tickets.urls")),
    path("", include("tocsin.drills.urls")),
    path("", include("tocsin.postincident.metrics.urls")),
    path("", include("tocsin.postincident.situation.urls")),
    path("", include("tocsin.postincident.postmortems.urls")),
    path("", include("tocsin.postincident.actions.urls")),
    path("", include("tocsin.pages.urls")),
    path("docs/", RedirectView.as_view(url="/docs/index.md"), name="docs"),
    path("docs/<path:page>", manual.doc_page, name="doc-page"),
    # Whatever else is asked of the machine-facing addresses is a JSON 404.
    re_path(r"^(api|v2|hooks)/", not_found),
]

# The web pages' errors inside the layout (templates/404.html, 403.html, 500.html); under /api/,
# /v2/ and /hooks/ tocsin.http.JsonErrorsMiddleware answers the same errors in JSON.
handler500 = "tocsin.pages.views.server_error"
