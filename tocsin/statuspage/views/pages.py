"""A status page's settings, and adding a page (admins; anyone signed in reads them)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tocsin.accounts.permissions import may_manage_status_pages
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from .. import services
from ..forms import PageForm
from ..models import Page
from .shared import page_of, refuse, url_for

SETTINGS = ("name", "slug", "description", "public", "time_zone", "is_default")
SHOWN = ("show_incident_numbers", "show_authors")


def _answer(request, template: str, context: dict, status: int):
    context = {"may_manage": may_manage_status_pages(request.user), **context}
    return render(request, f"statuspage/manage/{template}", context, status=status)


def _saved(request, form: PageForm, save):
    """Call `save(settings)`; the page it answers, or None with the service's error on the form."""
    try:
        return save(form.settings())
    except PermissionDenied as error:
        refuse(error)
    except DomainError as error:
        add_domain_error(form, error)
    return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def page_settings(request):
    page = page_of(request)
    status = 200
    if request.method == "POST":
        form = PageForm(request.POST, auto_id="page_%s")
        saved = form.is_valid() and _saved(
            request, form, lambda data: services.update_page(page=page, by=request.user, **data)
        )
        if saved:
            messages.success(request, f"Settings of {saved.name} saved.")
            return redirect(url_for("statuspage-settings", saved))
        page.refresh_from_db()
        status = 422
    else:
        form = PageForm(
            initial={name: getattr(page, name) for name in (*SETTINGS, *SHOWN)}, auto_id="page_%s"
        )
    context = {"page": page, "pages": Page.objects.all(), "form": form}
    return _answer(request, "page_settings.html", context, status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def page_create(request):
    status = 200
    if request.method == "POST":
        form = PageForm(request.POST, auto_id="page_%s")
        created = form.is_valid() and _saved(
            request, form, lambda data: services.create_page(by=request.user, **data)
        )
        if created:
            messages.success(request, f"Status page {created.name} added.")
            return redirect(url_for("statuspage-settings", created))
        status = 422
    else:
        form = PageForm(initial={"public": True, "time_zone": "UTC"}, auto_id="page_%s")
    return _answer(request, "page_create.html", {"form": form}, status)
