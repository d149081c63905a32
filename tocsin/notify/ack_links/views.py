"""The page an acknowledge link opens: a GET shows what will happen, only the form's POST acts."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tocsin.errors import DomainError
from tocsin.zones import zone_of

from .services import acknowledge_with_link, read_acknowledge_link

TITLES = {
    "link_invalid": "This link is not valid",
    "link_expired": "This link has expired",
    "link_used": "This link has already been used",
    "permission_denied": "You cannot acknowledge this incident",
    "invalid_transition": "There is nothing to acknowledge",
    "conflict": "Someone else owns this incident",
}


def _page(request, template: str, context: dict, *, status: int = 200):
    # Whoever opens the link, times read as in the e-mail: in the zone of the person paged.
    with timezone.override(zone_of(context.get("person"))):
        response = render(request, template, context, status=status)
    # The URL is a credential: keep it out of Referer headers and search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, error: DomainError, incident=None, person=None):
    return _page(
        request,
        "notify/ack_refused.html",
        {
            "title": TITLES.get(error.code, "The incident was not acknowledged"),
            "error": error,
            "incident": incident,
            "person": person,
        },
        status=error.status,
    )


# No CSRF token: the signed link in the URL is the credential, and no cookie grants anything
# here, so a forged POST could do nothing its sender could not do with the link itself.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def ack_link(request, token: str):
    try:
        link = read_acknowledge_link(token)
    except DomainError as error:
        return _refused(request, error)
    if request.method != "POST":
        return _page(
            request,
            "notify/ack_confirm.html",
            {"incident": link.incident, "person": link.user},
        )
    try:
        incident = acknowledge_with_link(token=token)
    except DomainError as error:
        return _refused(request, error, incident=link.incident, person=link.user)
    return _page(request, "notify/ack_done.html", {"incident": incident, "person": link.user})
