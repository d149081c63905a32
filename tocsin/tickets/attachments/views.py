"""The ticket page's "Attach files" form and an attachment's file. Thin: parse, call the
service, render.

The form's view is exempt from the CSRF middleware and checks the token itself: the middleware
would read the whole body to find the token before the view could refuse a body that is too
large (uploads.refusal) with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from tocsin.accounts.permissions import may_see_ticket
from tocsin.errors import DomainError, NotFound
from tocsin.incidents.models import Channel
from tocsin.tickets.models import Attachment, Ticket

from . import services
from .checks import ACCEPT, ACCEPTED
from .serving import file_response
from .uploads import refusal


def _ticket(request, pk: int) -> Ticket:
    ticket = get_object_or_404(Ticket.objects.select_related("team", "incident"), pk=pk)
    if not may_see_ticket(ticket, request.user):
        raise Forbidden("only support agents and the ticket's team may see this ticket")
    return ticket


def _back(request, ticket: Ticket) -> str:
    """Where the form was: the ticket page, or the incident page it is shown on."""
    target = request.POST.get("next", "") if request.method == "POST" else ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("ticket-detail", args=[ticket.pk])


def _refused(request, ticket: Ticket, error: DomainError):
    return render(
        request,
        "tickets/attachments/refused.html",
        {
            "ticket": ticket,
            "error": error,
            # A body refused for its size is not read, not even for the page it came from.
            "back": _back(request, ticket)
            if error.status != 413
            else reverse("ticket-detail", args=[ticket.pk]),
            "accept": ACCEPT,
            "accepted": ACCEPTED,
        },
        status=error.status,
    )


@csrf_exempt
@login_required
@require_POST
def attachment_add(request, pk: int):
    ticket = _ticket(request, pk)
    too_large = refusal(request)
    if too_large is not None:
        return _refused(request, ticket, too_large)  # said before any of the body is read
    return _attach(request, ticket)


@csrf_protect
def _attach(request, ticket: Ticket):
    uploads = request.FILES.getlist("attachments")
    try:
        attached = services.attach(ticket=ticket, uploads=uploads, by=request.user, via=Channel.WEB)
    except DomainError as error:
        return _refused(request, ticket, error)
    names = ", ".join(attachment.name for attachment in attached)
    messages.success(request, f"Attached {names} to {ticket.reference}.")
    return redirect(_back(request, ticket) + "#attachments")


@login_required
@require_GET
def attachment_file(request, pk: int, attachment_id: int, name: str):
    ticket = _ticket(request, pk)
    attachment = Attachment.objects.filter(ticket=ticket, pk=attachment_id, name=name).first()
    if attachment is None:
        raise Http404(f"{ticket.reference} has no attachment {name}")
    try:
        return file_response(attachment)
    except NotFound as error:
        raise Http404(error.message) from None
