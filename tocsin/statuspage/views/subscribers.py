"""Subscribers: how many, who, exported as CSV, removed (an admin's)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from tocsin.accounts.permissions import may_manage_status_pages
from tocsin.errors import DomainError, PermissionDenied

from ..models import Subscriber
from .shared import action, page_of, refuse, url_for


def _subscriber_services():
    # Imported when used: the subscribers' room is its own, and these pages only call into it.
    from ..subscribers import services

    return services


def _list(request, page, *, status: int = 200, **more):
    services = _subscriber_services()
    may_manage = may_manage_status_pages(request.user)
    counted = services.count(page=page)
    return render(
        request,
        "statuspage/manage/subscribers.html",
        {
            "page": page,
            "confirmed_count": counted["confirmed"],
            "unconfirmed_count": counted["unconfirmed"],
            # Addresses are personal: listed for who manages them, counted for everyone else.
            "subscribers": services.subscribers_of(page=page, by=request.user)[:200]
            if may_manage
            else [],
            "may_manage": may_manage,
            "components": page.components.filter(visible=True).order_by("position", "pk"),
            **more,
        },
        status=status,
    )


@login_required
@require_GET
def subscriber_list(request):
    return _list(request, page_of(request))


@login_required
@require_POST
def subscriber_add_webhook(request):
    """An admin subscribes a URL; its secret is shown on the answer, this once (never kept in
    a message or the session)."""
    page = page_of(request)
    services = _subscriber_services()
    url = request.POST.get("url", "")
    chosen = request.POST.getlist("components")
    try:
        subscriber, secret = services.subscribe_webhook(
            page=page,
            url=url,
            components=services.components_by_code(page, chosen),
            by=request.user,
        )
    except PermissionDenied as error:
        refuse(error)
    except DomainError as error:
        return _list(request, page, status=422, webhook_error=error, webhook_url=url)
    created = {
        "subscriber": subscriber,
        "secret": secret,
        "unsubscribe": services.links.unsubscribe_url(subscriber),
    }
    response = _list(request, page, status=201, created=created)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def subscriber_export(request):
    page = page_of(request)
    try:
        text = _subscriber_services().export_csv(page=page, by=request.user)
    except PermissionDenied as error:
        refuse(error)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subscribers-{page.slug}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@action
def subscriber_remove(request, code: str):
    subscriber = get_object_or_404(Subscriber.objects.select_related("page"), code=code)
    request.back = url_for("statuspage-subscribers", subscriber.page)
    _subscriber_services().remove_subscriber(subscriber=subscriber, by=request.user)
    return f"{subscriber} no longer gets the page's updates.", request.back
