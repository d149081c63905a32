from django.urls import include, path

urlpatterns = [
    path("status/", include("tocsin.statuspage.subscribers.urls")),
    path("status/", include("tocsin.statuspage.public.urls")),
    path("statuspage/", include("tocsin.statuspage.views.urls")),
]
