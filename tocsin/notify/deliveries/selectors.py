"""Deliveries as people read them: each outbox row with its destination masked for whoever may
not see it, the state the page names, and whether the reader may open it (the answers come
from accounts/permissions/)."""

import re
from dataclasses import dataclass

from tocsin.accounts.permissions import DeliveryReader
from tocsin.notify.outbox.models import OutboxMessage, OutboxState


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


def messages():
    return OutboxMessage.objects.select_related("incident", "incident__team", "recipient")
