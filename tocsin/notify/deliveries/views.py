"""Deliveries: the outbox as a log, newest first, and one message on its own page.

Who sees which messages, and whose addresses, is answered by accounts/permissions.py: admins
every message, a team's leads their team's, anyone the messages addressed to them; an address
is masked for whoever may not see it.
"""

import re
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tocsin.accounts.permissions import DeliveryReader, deliveries_visible_to, may_see_deliveries
from tocsin.notify.outbox.models import OutboxMessage, OutboxState

PAGE_SIZE = 50


def masked(address: str) -> str:
    """What someone who may not see an address is shown: "b…@example.com", or "hidden"."""
    name, at, domain = address.partition("@")
    if at and name and domain and "/" not in address:
        return f"{name[0]}…@{domain}"
    return "hidden"


def links_to_the_top(html: str) -> str:
    """The HTML part for a sandboxed frame whose links, when clicked, open in the page itself
    (Tocsin's pages refuse to be shown in a frame)."""
    base = '<base target="_top">'
    head = re.search(r"<head\b[^>]*>", html, flags=re.IGNORECASE)
    if head:
        return html[: head.end()] + base + html[head.end() :]
    return base + html


@dataclass
class Row:
    message: OutboxMessage
    destination: str
    state: str  # what the page says: queued, sending, retrying, sent, kept, failed, dropped
    readable: bool  # whether this person may open the message on its own page


def state_of(message: OutboxMessage) -> str:
    if message.state == OutboxState.PENDING:
        return "retrying" if message.last_error and message.attempts else "queued"
    return message.state


def row(message: OutboxMessage, reader: DeliveryReader) -> Row:
    shown = reader.may_see_address(message)
    return Row(
        message=message,
        destination=message.address if shown else masked(message.address),
        state=state_of(message),
        readable=reader.may_read(message),
    )


def _messages():
    return OutboxMessage.objects.select_related("incident", "incident__team", "recipient")


@login_required
@require_GET
def delivery_list(request):
    visible = deliveries_visible_to(request.user, _messages()).order_by("-created_at", "-id")
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    reader = DeliveryReader(request.user)
    return render(
        request,
        "notify/deliveries.html",
        {
            "page": page,
            "rows": [row(message, reader) for message in page.object_list],
            "everything": may_see_deliveries(request.user),
        },
    )


@login_required
@require_GET
def delivery_detail(request, pk: int):
    message = _messages().filter(pk=pk).first()
    reader = DeliveryReader(request.user)
    if message is None or not reader.may_read(message):
        # The same answer for a message that does not exist and one this person may not read.
        return render(request, "notify/delivery_missing.html", {"pk": pk}, status=404)
    return render(
        request,
        "notify/delivery_detail.html",
        {
            "row": row(message, reader),
            "message": message,
            "html_part": links_to_the_top(message.body_html) if message.body_html else "",
        },
    )
