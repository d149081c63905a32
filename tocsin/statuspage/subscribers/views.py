"""The subscriber's pages: subscribe, confirm, manage (choose components), unsubscribe.

Plain HTML forms that work without JavaScript. The subscribe and manage forms carry a CSRF
token; the unsubscribe URL also takes RFC 8058's one-click POST from a mail client, which has
no token and no cookie: the signed link is the credential, and it changes only its own
subscriber. A request that asks for JSON (Accept: application/json) gets the answers as JSON.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tocsin.errors import DomainError
from tocsin.security.signin import client_address

from ..models import Page
from . import links, services
from .limits import TooManyRequests

TITLES = {
    "link_invalid": "This link is not valid",
    "link_expired": "This link has expired",
    "link_used": "This link has already been used",
    "not_found": "This subscription no longer exists",
    "rate_limited": "Too many requests",
}


def _page_of(slug: str | None) -> Page:
    pages = Page.objects.all()
    page = pages.filter(slug=slug).first() if slug else pages.filter(is_default=True).first()
    if page is None:
        raise Http404("No such status page.")
    return page


def _read(token: str, purpose: str, slug: str | None):
    """The token's subscriber; a link of one page opened under another's address is not found."""
    subscriber = links.read(token, purpose)
    if slug is not None and subscriber.page.slug != slug:
        raise Http404("No such subscription on this status page.")
    return subscriber


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _render(request, template: str, context: dict, *, status: int = 200, headers=None):
    page = context.get("page")
    context = {"page_path": links.page_path(page) if page else "/status/", **context}
    response = render(request, f"statuspage/subscribers/{template}", context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _private(response):
    # The URL of a link page is a credential: keep it out of Referer headers and search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, error: DomainError, page=None):
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after)
    if _wants_json(request):
        body = {"error": {"code": error.code, "message": error.message, "field": error.field}}
        response = JsonResponse(body, status=error.status)
        for name, value in headers.items():
            response[name] = value
        return _private(response)
    title = TITLES.get(error.code, "That did not work")
    context = {"title": title, "error": error, "page": page}
    return _private(_render(request, "refused.html", context, status=error.status, headers=headers))


def _component_rows(page: Page, chosen: set[str]):
    return [
        {"component": c, "group": c.group.name if c.group_id else "", "checked": c.code in chosen}
        for c in page.components.filter(visible=True)
        .select_related("group")
        .order_by("group__position", "group__name", "position", "name")
    ]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request, slug: str | None = None):
    page = _page_of(slug)
    if not page.public and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    email = request.POST.get("email", "") if request.method == "POST" else ""
    chosen = request.POST.getlist("components") if request.method == "POST" else []
    error = None
    if request.method == "POST" and "webhook_url" in request.POST:
        return _subscribe_webhook(request, page, chosen)
    if request.method == "POST":
        try:
            components = services.components_by_code(page, chosen)
            answer = services.subscribe_email(
                page=page,
                email=email,
                components=components,
                ip=client_address(request) or "",
            )
        except TooManyRequests as refused:
            return _refused(request, refused, page)
        except DomainError as refused:
            if _wants_json(request):
                return _refused(request, refused, page)
            error = refused
        else:
            if _wants_json(request):
                return JsonResponse({"message": answer}, status=202)
            return _render(request, "requested.html", {"page": page, "answer": answer}, status=202)
    context = {
        "page": page,
        "email": email,
        "rows": _component_rows(page, set(chosen)),
        "error": error,
    }
    return _render(request, "subscribe.html", context, status=422 if error else 200)


def _subscribe_webhook(request, page: Page, chosen: list[str]):
    """A visitor's webhook: confirmed at once (no inbox to confirm from); its secret and its
    unsubscribe link are shown this once."""
    url = request.POST.get("webhook_url", "")
    try:
        subscriber, secret = services.subscribe_webhook(
            page=page,
            url=url,
            components=services.components_by_code(page, chosen),
            ip=client_address(request) or "",
        )
    except DomainError as refused:
        if _wants_json(request) or isinstance(refused, TooManyRequests):
            return _refused(request, refused, page)
        context = {
            "page": page,
            "webhook_url": url,
            "rows": _component_rows(page, set(chosen)),
            "webhook_error": refused,
        }
        return _render(request, "subscribe.html", context, status=refused.status)
    unsubscribe = links.unsubscribe_url(subscriber)
    if _wants_json(request):
        body = {"id": subscriber.code, "secret": secret, "unsubscribe": unsubscribe}
        return _private(JsonResponse(body, status=201))
    context = {"page": page, "subscriber": subscriber, "secret": secret, "unsubscribe": unsubscribe}
    return _private(_render(request, "webhook_subscribed.html", context, status=201))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str, slug: str | None = None):
    """GET shows a button, so a mail scanner that opens links confirms nothing; POST confirms."""
    try:
        subscriber = _read(token, links.CONFIRM, slug)
    except DomainError as error:
        return _refused(request, error)
    if subscriber.confirmed_at is not None:
        used = links.LinkUsed("this link was already used: the subscription is confirmed")
        return _refused(request, used, subscriber.page)
    if request.method != "POST":
        return _private(
            _render(request, "confirm.html", {"page": subscriber.page, "subscriber": subscriber})
        )
    try:
        subscriber = services.confirm(token=token)
    except DomainError as error:
        return _refused(request, error, subscriber.page)
    context = {
        "page": subscriber.page,
        "subscriber": subscriber,
        "manage_url": links.manage_url(subscriber),
    }
    return _private(_render(request, "confirmed.html", context))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscription(request, token: str, slug: str | None = None):
    """The manage page: choose components, or unsubscribe."""
    try:
        subscriber = _read(token, links.MANAGE, slug)
    except DomainError as error:
        return _refused(request, error)
    page = subscriber.page
    saved = False
    error = None
    if request.method == "POST":
        chosen = request.POST.getlist("components")
        try:
            components = services.components_by_code(page, chosen)
            services.update_components(subscriber=subscriber, components=components)
            saved = True
        except DomainError as refused:
            error = refused
    else:
        chosen = list(subscriber.components.values_list("code", flat=True))
    context = {
        "page": page,
        "subscriber": subscriber,
        "rows": _component_rows(page, set(chosen)),
        "saved": saved,
        "error": error,
        "unsubscribe_url": links.unsubscribe_url(subscriber),
    }
    return _private(_render(request, "manage.html", context, status=422 if error else 200))


# No CSRF token: RFC 8058's one-click POST comes from the mail client with none, and no cookie
# grants anything here; the signed link is the credential and unsubscribes only its subscriber.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str, slug: str | None = None):
    """GET shows a button (a link scanner unsubscribes nobody); POST unsubscribes."""
    try:
        subscriber = _read(token, links.UNSUBSCRIBE, slug)
    except DomainError as error:
        return _refused(request, error)
    page = subscriber.page
    if request.method != "POST":
        return _private(
            _render(request, "unsubscribe.html", {"page": page, "subscriber": subscriber})
        )
    services.unsubscribe(subscriber=subscriber)
    if _wants_json(request):
        return _private(JsonResponse({"message": "unsubscribed"}))
    return _private(_render(request, "unsubscribed.html", {"page": page}))
