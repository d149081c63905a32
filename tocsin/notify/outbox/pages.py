"""Pages are for incidents that still need someone: one that was acknowledged, resolved or
cancelled has its queued pages dropped, never sent, with the reason on the row and the timeline.

Team notifications, resolution notices, chat posts and webhooks are never dropped: only pages.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from tocsin.incidents.models import Channel, Event, Incident, Status
from tocsin.incidents.services import record

from .models import OutboxMessage, OutboxState, Purpose


def _at(value: datetime | None) -> str:
    return f" at {value.astimezone(UTC).strftime('%H:%M')} UTC" if value else ""


def _by(user) -> str:
    return f" by {user}" if user else ""


def no_longer_needed(incident: Incident) -> str | None:
    """Why a page for `incident` would wake someone for nothing, or None while it is triggered."""
    ref = incident.reference
    if incident.status == Status.TRIGGERED:
        return None
    if incident.status == Status.RESOLVED:
        return f"{ref} was resolved{_by(incident.resolved_by)}{_at(incident.resolved_at)}"
    if incident.status == Status.CANCELLED:
        return f"{ref} was cancelled{_at(incident.cancelled_at)}"
    return f"{ref} was acknowledged{_by(incident.acknowledged_by)}{_at(incident.acknowledged_at)}"


def not_sent_line(message: OutboxMessage, reason: str) -> str:
    """ "Page to Bob Okafor via e-mail not sent: INC-4 was acknowledged by Bob Okafor at …"."""
    return f"Page to {message.recipient or 'someone'} via {_method(message)} not sent: {reason}"


def record_page_remark(message: OutboxMessage, text: str, **data) -> None:
    """A line about one page on its incident's timeline, in the engine's words: "Page to Bob
    Okafor via e-mail: …". It names the person, never the address."""
    if message.address:
        text = text.replace(message.address, "the recipient")
    record(
        message.incident,
        Event.ESCALATION,
        actor=None,
        via=Channel.SYSTEM,
        system="Escalation",
        message=text,
        data={
            "outbox_message": message.pk,
            "recipient": message.recipient_id,
            "channel": message.channel,
            **data,
        },
    )


def record_dropped(message: OutboxMessage, reason: str) -> None:
    """The timeline line for one dropped page."""
    record_page_remark(message, not_sent_line(message, reason), page_dropped=True)


def record_unconfirmed(message: OutboxMessage, text: str, *, count: int) -> None:
    """The timeline line for a page the provider took but did not confirm."""
    line = f"Page to {message.recipient or 'someone'} via {_method(message)}: {text}"
    record_page_remark(message, line, page_unconfirmed=count)


def record_kept(message: OutboxMessage, reason: str) -> None:
    """The timeline line for a page e-mail kept here, to be read on the Deliveries page."""
    line = (
        f"Page to {message.recipient or 'someone'} via {_method(message)} kept here, not sent: "
        f"{reason}; it can be read on the Deliveries page"
    )
    record_page_remark(message, line, page_kept=True)


def _method(message: OutboxMessage) -> str:
    return message.data.get("method") or message.get_channel_display().lower()


def record_delivered(message: OutboxMessage) -> None:
    """In the transaction that marks a page sent: "Page delivered to Bob Okafor via e-mail"."""
    record(
        message.incident,
        Event.PAGE_DELIVERED,
        actor=None,
        via=Channel.SYSTEM,
        system="Escalation",
        message=f"Page delivered to {message.recipient or 'someone'} via {_method(message)}",
        data={
            "outbox_message": message.pk,
            "recipient": message.recipient_id,
            "channel": message.channel,
        },
    )


@dataclass(frozen=True)
class FailingPage:
    """A page still waiting whose last attempts failed, as the paging card shows it."""

    text: str  # "Delivery to Bob Okafor via e-mail failing: …; attempt 5"
    next_try_at: datetime


def failing_pages(incident: Incident) -> list[FailingPage]:
    """The incident's pages that are being retried, oldest first; never naming an address."""
    waiting = (
        OutboxMessage.objects.filter(
            incident=incident,
            purpose=Purpose.PAGE,
            state__in=(OutboxState.PENDING, OutboxState.SENDING),
        )
        .exclude(last_error="")
        .select_related("recipient")
        .order_by("id")
    )
    failing = []
    for message in waiting:
        error = message.last_error.replace(message.address, "the recipient")
        failing.append(
            FailingPage(
                f"Delivery to {message.recipient or 'someone'} via {_method(message)} failing: "
                f"{error}; attempt {message.attempts}",
                message.next_attempt_at,
            )
        )
    return failing


def drop_queued_pages(incident: Incident, *, reason: str) -> int:
    """In the transaction that stops the escalation: drop the incident's pages still waiting.

    A page being sent right now (state `sending`) is left to the delivery loop, which looks at
    the incident again just before it sends. Returns how many were dropped.
    """
    waiting = list(
        OutboxMessage.objects.select_for_update(of=("self",))
        .filter(incident=incident, purpose=Purpose.PAGE, state=OutboxState.PENDING)
        .select_related("recipient")
        .order_by("id")
    )
    if not waiting:
        return 0
    OutboxMessage.objects.filter(pk__in=[m.pk for m in waiting]).update(
        state=OutboxState.DROPPED, last_error=reason[:2000]
    )
    for message in waiting:
        message.incident = incident
        record_dropped(message, reason)
    return len(waiting)
