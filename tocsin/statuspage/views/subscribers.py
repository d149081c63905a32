"""Subscribers: how many, who, exported as CSV, removed (an admin's)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tocsin.accounts.permissions import may_manage_status_pages
from tocsin.errors import PermissionDenied

from ..models import Subscriber
from .shared import action, page_of, refuse, url_for


def _subscriber_services():
    # Imported when used: the subscribers' room is its own, and these pages only call into it.
    from ..subscribers import services

    return services


@login_required
@require_GET
def subscriber_list(request):
    page = page_of(request)
    subscribers = page.subscribers.prefetch_related("components").order_by("-created_at", "-id")
    may_manage = may_manage_status_pages(request.user)
    return render(
        request,
        "statuspage/manage/subscribers.html",
        {
            "page": page,
            "confirmed_count": subscribers.filter(confirmed_at__isnull=False).count(),
            "unconfirmed_count": subscribers.filter(confirmed_at__isnull=True).count(),
            # Addresses are personal: listed for who manages them, counted for everyone else.
            "subscribers": subscribers[:200] if may_manage else [],
            "may_manage": may_manage,
        },
    )


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
