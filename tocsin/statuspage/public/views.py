"""The public page: serve a rendered snapshot by name, with ETag/304 and CDN-friendly caching."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.http import http_date

from ..models import Page, Snapshot
from ..snapshot import render_page

CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"


def _page(slug):
    if slug is None:
        return Page.objects.filter(is_default=True).first()
    return Page.objects.filter(slug=slug).first()


def serve(request, name: str, slug: str | None = None):
    is_json = name.endswith(".json")
    page = _page(slug)
    if page is None:
        return _not_found(is_json)
    if not page.public and not request.user.is_authenticated:
        if is_json:
            return JsonResponse({"error": "Sign in to see this page."}, status=401)
        return redirect_to_login(request.get_full_path())
    snapshot = Snapshot.objects.filter(page=page, name=name).first()
    if snapshot is None and not Snapshot.objects.filter(page=page).exists():
        render_page(page.pk)  # a fresh install: nothing rendered yet
        snapshot = Snapshot.objects.filter(page=page, name=name).first()
    if snapshot is None:
        return _not_found(is_json)
    if request.headers.get("If-None-Match") == snapshot.etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(bytes(snapshot.content), content_type=snapshot.content_type)
    response["ETag"] = snapshot.etag
    response["Last-Modified"] = http_date(snapshot.rendered_at.timestamp())
    response["Cache-Control"] = CACHE_CONTROL
    if is_json:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def _not_found(is_json):
    if is_json:
        return JsonResponse({"error": "Not found."}, status=404)
    return HttpResponse("Not found.", status=404, content_type="text/plain")


def index(request, slug=None):
    return serve(request, "index.html", slug)


def api(request, name, slug=None):
    return serve(request, f"api/v2/{name}.json", slug)
