"""The REST API under /api/v1/: who is calling, the one error body, and each app's router.

Every answer that is not a success is `{"error": {"code", "message", "field"}}`, whatever went
wrong: a domain error from a service, a body that does not validate, unreadable JSON, missing
credentials, an unknown URL.
"""

import functools
import json
import logging
import sys

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from tocsin.accounts.api import router as accounts_router
from tocsin.accounts.middleware import AGENT_REFUSAL
from tocsin.accounts.permissions import agent_may_open, is_agent
from tocsin.accounts.services import user_for_token
from tocsin.alerting.api import router as alerting_router
from tocsin.errors import DomainError, PermissionDenied
from tocsin.http import database_unavailable, error_response
from tocsin.incidents.api import router as incidents_router

logger = logging.getLogger(__name__)

# Where ninja says a bad value came from; the client only needs the field's own name.
PARAMETER_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# Body parameters of the handlers are all called `payload`: it is not part of the field name.
BODY_PARAMETER = "payload"


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


class MalformedJSON(ValueError):
    pass


def _not_a_number(literal: str):
    raise json.JSONDecodeError(f"{literal} is not a JSON number", literal, 0)


class JSONParser(Parser):
    """Ninja's parser, with a message that says what is wrong with the JSON."""

    def parse_body(self, request: HttpRequest):
        try:
            return json.loads(request.body, parse_constant=_not_a_number)
        except RecursionError:
            raise MalformedJSON("the request body is nested too deeply") from None
        except UnicodeDecodeError:
            raise MalformedJSON("the request body is not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise MalformedJSON(f"the request body is not valid JSON: {error}") from None


class BearerToken(HttpBearer):
    """`Authorization: Bearer tocsin_…`, an API token created on the profile page."""

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is None:
            # A token was offered and is wrong: say so instead of trying the session.
            raise AuthenticationError(message="the API token is unknown, revoked or expired")
        if is_agent(user) and not agent_may_open(request.path):
            raise PermissionDenied(AGENT_REFUSAL)
        request.user = user
        return user


class BrowserSession(SessionAuth):
    """The signed-in browser's session, with Django's CSRF check on unsafe methods.

    Ninja's SessionAuth checks CSRF before it knows whether there is a session at all, so a
    request without any credentials would be answered 403 "CSRF" instead of 401. Here the
    CSRF check runs only once a session has been found.
    """

    def _get_key(self, request: HttpRequest):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            raise CsrfFailed(
                "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken "
                "header, or use an API token"
            )
        return user


@csrf_exempt
def not_found(request: HttpRequest, *args, **kwargs):
    return error_response(
        404, "not_found", f"no such endpoint: {request.method} {request.path}; see /api/v1/docs"
    )


def _json_errors(view):
    """Wrap ninja's URL views: refuse NUL in the address, and turn their bare 404s into JSON
    errors (their 405s are turned by tocsin.http.JsonErrorsMiddleware, which keeps Allow)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            # No name, slug or search contains NUL, and PostgreSQL refuses to compare with it.
            return error_response(400, "bad_request", "the address contains a NUL character")
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return not_found(request)

    return wrapper


class TocsinAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """`<module>_<function>` as ninja names it, where a module inside an `api` package counts
        as the package: clients generate code from these ids, so splitting an app's api.py by
        job keeps them (tocsin_alerting_api_list_alerts). A module that moved says the prefix
        it had in `OPERATION_ID_PREFIX`."""
        name = operation.view_func.__module__
        prefix = getattr(sys.modules[name], "OPERATION_ID_PREFIX", None)
        if prefix is None:
            module, inside, _ = name.partition(".api.")
            prefix = (module + ".api" if inside else name).replace(".", "_")
        return f"{prefix}_{operation.view_func.__name__}"

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            pattern.callback = _json_errors(pattern.callback)
        # Everything else under /api/v1/ is a JSON 404, except the alert intake
        # (integrations/<token>/<kind>), which lives outside ninja and may be routed after us.
        fallback = re_path(r"^(?!integrations/)", not_found)
        return [*patterns, fallback], app_name, namespace


api = TocsinAPI(
    title="Tocsin API",
    version="1",
    urls_namespace="api",
    description=(
        "Incidents, teams, services and severities of this Tocsin. Authenticate with "
        "`Authorization: Bearer <token>` (create a token on your profile page), or from a "
        "signed-in browser with the session cookie and the X-CSRFToken header."
    ),
    auth=[BearerToken(), BrowserSession()],
    parser=JSONParser(),
)
api.add_router("", incidents_router)
api.add_router("", accounts_router)
api.add_router("", alerting_router)
api.add_router("", "tocsin.oncall.schedules.api.router")
api.add_router("", "tocsin.oncall.escalation.api.router")
api.add_router("", "tocsin.webhooks.api.router")
api.add_router("", "tocsin.statuspage.api.router")
api.add_router("", "tocsin.runbooks.api.router")
api.add_router("", "tocsin.hotfixes.api.router")
api.add_router("", "tocsin.tickets.api.router")
api.add_router("", "tocsin.tickets.attachments.api.router")
api.add_router("", "tocsin.drills.api.router")
api.add_router("", "tocsin.postincident.api.router")


def _field(loc) -> str | None:
    parts = [str(part) for part in loc]
    if parts and parts[0] in PARAMETER_SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == BODY_PARAMETER:
            parts.pop(0)
    return ".".join(parts) or None


@api.exception_handler(DomainError)
def domain_error(request, error: DomainError):
    return error_response(error.status, error.code, error.message, error.field)


@api.exception_handler(ValidationError)
def validation_error(request, error: ValidationError):
    first = error.errors[0]
    field = _field(first.get("loc", ()))
    kind = first.get("type")
    reason = first.get("msg", "invalid value").removeprefix("Value error, ")
    if kind == "extra_forbidden":
        message = f"unknown field {field!r}"
    elif field is None and kind == "missing":
        message = "a JSON object is required as the request body"
    elif field is None:
        message = f"the request body must be a JSON object: {reason}"
    else:
        message = f"{field}: {reason}"
    return error_response(422, "validation_failed", message, field)


@api.exception_handler(AuthenticationError)
def authentication_error(request, error: AuthenticationError):
    message = error.message
    if message == "Unauthorized":
        message = "authentication required: send 'Authorization: Bearer <token>' or sign in first"
    return error_response(401, "unauthenticated", message)


@api.exception_handler(HttpError)
def http_error(request, error: HttpError):
    if isinstance(error.__cause__, MalformedJSON):
        return error_response(400, "malformed_json", str(error.__cause__))
    codes = {400: "bad_request", 403: "permission_denied", 404: "not_found", 429: "throttled"}
    return error_response(error.status_code, codes.get(error.status_code, "error"), str(error))


@api.exception_handler(Http404)
def http_404(request, error: Http404):
    return error_response(404, "not_found", str(error) or "not found")


@api.exception_handler(Exception)
def unexpected_error(request, error: Exception):
    if isinstance(error, RequestDataTooBig):
        return error_response(413, "payload_too_large", "the request body is too large")
    if isinstance(error, SuspiciousOperation):
        return error_response(400, "bad_request", "the request could not be read")
    if unavailable := database_unavailable(request, error):
        return unavailable
    logger.exception("API request %s %s failed", request.method, request.path)
    return error_response(
        500, "internal_error", "something went wrong on our side; it has been logged"
    )
