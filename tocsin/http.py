"""The one JSON error body of Tocsin's HTTP answers: `{"error": {"code", "message", "field"}}`.

The REST API, the alert intake and the Telegram and Slack hooks all refuse with it (docs/api.md);
only PagerDuty's `/v2/enqueue` answers in PagerDuty's own words.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

logger = logging.getLogger("tocsin.http")


def error_response(
    status: int, code: str, message: str, field: str | None = None, *, headers=None
) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JsonResponse(body, status=status, headers=headers)


class Refused(Exception):
    """A request turned away before anything is stored or done; `response()` says why."""

    def __init__(self, status: int, code: str, message: str, *, field=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field, self.headers = field, headers or {}

    def response(self) -> JsonResponse:
        return error_response(
            self.status, self.code, self.message, self.field, headers=self.headers
        )


# How long a client should wait before trying again while the database cannot be reached.
DATABASE_RETRY_AFTER_SECONDS = 5
_UNAVAILABLE = "Tocsin cannot reach its database; nothing was stored, try again shortly"
# Machine clients: answered in JSON. PagerDuty's Events API answers in its own words.
_JSON_PREFIXES = ("/api/", "/hooks/", "/v2/")

_CODES = {
    400: ("bad_request", "the request could not be read"),
    403: ("permission_denied", "this request is not allowed"),
    404: ("not_found", "no such endpoint: {method} {path}"),
    405: ("method_not_allowed", "{method} is not allowed on {path}; use {allow}"),
    413: ("payload_too_large", "the request body is too large"),
    500: ("internal_error", "something went wrong on our side; it has been logged"),
}


def wants_json(request) -> bool:
    return request.path.startswith(_JSON_PREFIXES)


def database_unavailable(request, exception: Exception) -> HttpResponse | None:
    """A database that cannot be reached (stopped, restarting, locked) is a 503 with Retry-After,
    logged in one line, never a 500 with a traceback; None for any other exception."""
    if not isinstance(exception, OperationalError | InterfaceError):
        return None
    reason = (str(exception).strip() or "no reason").splitlines()[0]
    logger.warning("%s: %s %s (%s)", _UNAVAILABLE, request.method, request.path, reason)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    if request.path.startswith("/v2/"):
        body = {"status": "unavailable", "message": _UNAVAILABLE, "errors": [_UNAVAILABLE]}
        return JsonResponse(body, status=503, headers=headers)
    if wants_json(request):
        return error_response(503, "database_unavailable", _UNAVAILABLE, headers=headers)
    page = f"<!doctype html><title>Tocsin is unavailable</title><p>{_UNAVAILABLE}.</p>"
    return HttpResponse(page, status=503, headers=headers)


class DatabaseUnavailableMiddleware:
    """`database_unavailable` for every view outside the REST API (which asks it itself)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_unavailable(request, exception)


class JsonErrorsMiddleware:
    """Under /api/, /v2/ and /hooks/ an error is JSON whoever answered it (Django's CSRF check,
    an unknown address, a view's `require_POST`): programs read the same shape everywhere, and
    Allow and Retry-After headers are kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not wants_json(request)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        # Ninja lists a URL's methods from a set: in the same order on every answer, please.
        allow = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",") if m))
        if allow:
            response["Allow"] = allow
        code, message = _CODES.get(response.status_code, ("error", "the request failed"))
        message = message.format(method=request.method, path=request.path, allow=allow)
        headers = {name: response[name] for name in ("Allow", "Retry-After") if name in response}
        return error_response(response.status_code, code, message, headers=headers)


# Request bodies: every request may send DATA_UPLOAD_MAX_MEMORY_SIZE (TOCSIN_MAX_BODY_BYTES),
# except those for the URLs (by name) that take file uploads, which say their own limit.
_LARGE_BODIES: dict[str, Callable[[], int]] = {}


def allow_large_bodies(url_name: str, limit: Callable[[], int]) -> None:
    """Let requests for the URL named `url_name` send bodies of up to `limit()` bytes."""
    _LARGE_BODIES[url_name] = limit


def body_limit(request) -> int:
    """The most bytes the body of this request may have."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    limit = _LARGE_BODIES.get(match.url_name) if match is not None else None
    return limit() if limit is not None else settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BodyLimitUploadHandler(FileUploadHandler):
    """The first of FILE_UPLOAD_HANDLERS: Django limits a multipart body's fields, not its
    files, so a multipart body longer than its URL allows (`body_limit`) is refused here,
    from its Content-Length, before any of it is read. A chunked body is read whole by
    tocsin.chunked up to the usual limit only, so past that it is refused too."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        small = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if "chunked" in META.get("HTTP_TRANSFER_ENCODING", "").lower() and content_length > small:
            raise RequestDataTooBig(
                f"a chunked request body may be at most {small} bytes; send a Content-Length"
            )
        limit = body_limit(self.request)
        if content_length > limit:
            raise RequestDataTooBig(f"the request body is larger than {limit} bytes")

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
