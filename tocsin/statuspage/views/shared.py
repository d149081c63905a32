"""What the management pages share: which page they show, and how a refusal is answered.

A refused POST is a 403 (the service changed nothing); a POST the service found invalid comes
back as the form with its errors (422), or, for a one-button action, as an error message on
the page it came from.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from tocsin.errors import DomainError, PermissionDenied

from ..models import Page


def page_of(request) -> Page:
    """The page named by `?page=<slug>` (or the form's `page`), else the default page."""
    slug = request.POST.get("page") or request.GET.get("page")
    if slug:
        return get_object_or_404(Page, slug=slug)
    page = Page.objects.filter(is_default=True).first() or Page.objects.order_by("pk").first()
    if page is None:
        raise Forbidden("there is no status page")
    return page


def url_for(name: str, page: Page, *args, fragment: str = "") -> str:
    """A management URL, naming the page unless it is the default one."""
    url = reverse(name, args=args)
    if not page.is_default:
        url += f"?page={page.slug}"
    return f"{url}#{fragment}" if fragment else url


def refuse(error: PermissionDenied):
    """A service's refusal as the 403 page, with its reason."""
    raise Forbidden(error.message) from error


def action(view):
    """A POST that calls one service and goes back where it came from.

    The wrapped function sets `request.back` (where an error is shown) before it calls the
    service, and returns (message, url); a refusal is a 403, another DomainError an error
    message back at `request.back`.
    """

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            message, url = view(request, *args, **kwargs)
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(getattr(request, "back", None) or reverse("statuspage-overview"))
        if message:
            messages.success(request, message)
        return redirect(url)

    return wrapper
