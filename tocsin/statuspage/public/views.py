"""The public page: serve a rendered snapshot by name, with ETag/304 and CDN-friendly caching."""

from __future__ import annotations

import hashlib

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.http import http_date

from ..models import Page, Snapshot
from ..snapshot import copies, render_page
from ..snapshot.render import FILES, render_item

CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"


def _load_page(slug):
    if slug is None:
        return Page.objects.filter(is_default=True).first()
    return Page.objects.filter(slug=slug).first()


def _page(slug):
    return copies.page(slug, _load_page)


def _refused(request, page, is_json):
    """The answer when the page cannot be shown to this visitor, or None when it can."""
    if page is None:
        return _not_found(is_json)
    if not page.public and not request.user.is_authenticated:
        if is_json:
            return JsonResponse({"error": "Sign in to see this page."}, status=401)
        return redirect_to_login(request.get_full_path())
    return None


def _cached(request, response, etag):
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    if request.headers.get("If-None-Match") == etag:
        not_modified = HttpResponseNotModified()
        for header in ("ETag", "Cache-Control", "Last-Modified", "Access-Control-Allow-Origin"):
            if header in response:
                not_modified[header] = response[header]
        return not_modified
    return response


def serve(request, name: str, slug: str | None = None):
    is_json = name.endswith(".json")
    page = _page(slug)
    if refused := _refused(request, page, is_json):
        return refused
    snapshot = _snapshot(page, name)
    if snapshot is None and name in FILES:
        render_page(page.pk)  # a fresh install, or a file this version renders first
        snapshot = _snapshot(page, name)
    if snapshot is None:
        return _not_found(is_json)
    response = HttpResponse(snapshot.content, content_type=snapshot.content_type)
    response["Last-Modified"] = http_date(snapshot.rendered_at.timestamp())
    if is_json:
        response["Access-Control-Allow-Origin"] = "*"
    return _cached(request, response, snapshot.etag)


def _snapshot(page, name):
    # The queries are built only when the copy in memory is due for a check: building one
    # costs as much as the rest of serving a fresh copy.
    def rows():
        return Snapshot.objects.filter(page=page, name=name)

    return copies.file(
        page.pk,
        name,
        lambda: rows().values_list("etag", "rendered_at", "content_type").first(),
        lambda etag: rows().filter(etag=etag).values_list("content", flat=True).first(),
    )


def item(request, kind: str, code: str, slug: str | None = None):
    """The permalink of one published incident or maintenance (the JSON's `shortlink`)."""
    page = _page(slug)
    if refused := _refused(request, page, False):
        return refused
    content = render_item(page, kind, code)
    if content is None:
        return _not_found(False)
    response = HttpResponse(content, content_type="text/html; charset=utf-8")
    return _cached(request, response, '"' + hashlib.sha256(content).hexdigest()[:32] + '"')


def _not_found(is_json):
    if is_json:
        return JsonResponse({"error": "Not found."}, status=404)
    return HttpResponse("Not found.", status=404, content_type="text/plain")


def index(request, slug=None):
    return serve(request, "index.html", slug)


def history(request, slug=None):
    return serve(request, "history.html", slug)


def api(request, name, slug=None):
    return serve(request, f"api/v2/{name}.json", slug)
