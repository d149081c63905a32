"""Tocsin's URLs and /bench/floor?size=N: a constant body of N bytes, the least a view can do."""

from django.http import HttpResponse
from django.urls import include, path

BODY = b"x" * 4_000_000


def floor(request):
    size = min(int(request.GET.get("size", "2")), len(BODY))
    return HttpResponse(BODY[:size], content_type="text/plain")


urlpatterns = [path("bench/floor", floor), path("", include("tocsin.urls"))]
