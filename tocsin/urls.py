from django.contrib import admin
from django.urls import include, path

from tocsin.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("tocsin.accounts.urls")),
    path("", include("tocsin.incidents.urls")),
]
