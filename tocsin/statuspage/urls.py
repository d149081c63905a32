from django.urls import include, path

urlpatterns = [
    # The public files first: they take the traffic (see tocsin/urls.py).
    path("status/", include("tocsin.statuspage.public.urls")),
    path("status/", include("tocsin.statuspage.subscribers.urls")),
    path("statuspage/", include("tocsin.statuspage.views.urls")),
]
