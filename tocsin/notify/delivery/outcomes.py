"""What an attempt ends with: sent, failed for good, taken but unconfirmed, or a page dropped
because its incident no longer needs anyone; each recorded while the claim is still this
worker's, with its line on the incident's timeline.

A message the provider took but never confirmed (OutcomeUnknown) is not a failure: it is tried
once more after UNCONFIRMED_PAUSE, with the same id, and then left `sent`, unconfirmed; the
person's next contact method is not paged for it.

A page is checked against its incident just before it is sent: one that no longer needs anyone
(acknowledged, resolved, cancelled) is dropped instead, and a page e-mail is rendered from the
incident as it is then, not as it was when it was queued.
"""

import logging
from datetime import UTC, timedelta

from django.db import transaction
from django.utils import timezone

from tocsin.incidents.models import Channel, Event, Incident
from tocsin.incidents.services import record
from tocsin.notify.channels import OutcomeUnknown
from tocsin.notify.emails.content import page_email
from tocsin.notify.outbox.models import OutboxChannel, OutboxMessage, OutboxState, Purpose
from tocsin.notify.outbox.pages import (
    no_longer_needed,
    record_delivered,
    record_dropped,
    record_unconfirmed,
)

from .claims import mine
from .signals import delivery_failed, delivery_sent

logger = logging.getLogger("tocsin.notify")

MAX_ATTEMPTS = 8  # 10 s, 20 s, 40 s … about 20 minutes from the first try to giving up
# A message the provider took but never confirmed (OutcomeUnknown) is tried once more after this
# long, with the same id: a late confirmation or the mail itself has had time to arrive by then.
UNCONFIRMED_PAUSE = timedelta(minutes=10)


def mark_sent(message: OutboxMessage, provider_message_id: str) -> bool:
    """Mark it sent while the claim is still this worker's; False if the claim was lost.

    A worker that lost its claim (its lease ran out mid-send and another worker took the message,
    which will send it again with the same id) marks nothing, writes nothing on the timeline and
    announces nothing: the row is its new owner's.
    """
    now = timezone.now()
    with transaction.atomic():
        marked = mine(message).update(
            state=OutboxState.SENT,
            sent_at=now,
            provider_message_id=provider_message_id[:255],
            last_error="",
        )
        if not marked:
            logger.warning(
                "outbox message %s was sent but its claim was lost meanwhile; not marked sent",
                message.pk,
            )
            return False
        message.state, message.sent_at = OutboxState.SENT, now
        message.provider_message_id = provider_message_id
        if message.purpose == Purpose.PAGE and message.incident is not None:
            record_delivered(message)
        delivery_sent.send(sender=OutboxMessage, message=message)
    return True


def describe_failure(message: OutboxMessage, reason: str) -> str:
    """The timeline line: "Page to Bob Okafor via e-mail failed: …".

    It names the person and the channel, never the address: the timeline is shown to viewers,
    and the address stays on the outbox row (the delivery log).
    """
    channel = message.get_channel_display().lower()
    if message.purpose == Purpose.PAGE:
        if message.address:
            reason = reason.replace(message.address, "the recipient")
        method = message.data.get("method") or channel
        person = message.recipient or "someone"
        return f"Page to {person} via {method} failed: {reason}"
    # A team's list, chat or webhook is no one's private address.
    method = message.data.get("method") or f"{channel} ({message.address})"
    return f"{message.get_purpose_display()} via {method} failed: {reason}"


def announce_failure(message: OutboxMessage, reason: str, *, on_timeline: bool = True) -> None:
    """In the transaction that marked `message` failed: the line on its incident's timeline
    (naming the person, never the address) and delivery_failed, to which the escalation engine
    answers by paging the person's next contact method."""
    if on_timeline and message.incident is not None:
        record(
            message.incident,
            Event.PAGE_FAILED,
            actor=None,
            via=Channel.SYSTEM,
            message=describe_failure(message, reason),
            data={
                "outbox_message": message.pk,
                "purpose": message.purpose,
                "channel": message.channel,
                "recipient": message.recipient_id,
                "delivery_failed": True,
            },
        )
    delivery_failed.send(sender=OutboxMessage, message=message, reason=reason)


def on_permanent_failure(message: OutboxMessage, reason: str) -> bool:
    """Mark the message failed, say so on the incident's timeline, and announce delivery_failed.

    One transaction, so the escalation engine's reaction (paging the next contact method)
    commits with the failure or not at all. False if this worker no longer held the message.
    """
    with transaction.atomic():
        if not mine(message).update(state=OutboxState.FAILED, last_error=reason[:2000]):
            return False
        message.state, message.last_error = OutboxState.FAILED, reason
        announce_failure(message, reason)
    logger.warning(
        "outbox message %s (%s %s to %s) failed for good: %s",
        message.pk,
        message.get_purpose_display().lower(),
        message.channel,
        message.address,
        reason,
    )
    return True


def on_outcome_unknown(message: OutboxMessage, error: OutcomeUnknown) -> bool:
    """The provider took the message but never confirmed it: try once more after
    UNCONFIRMED_PAUSE with the same id, and after a second time (or the last attempt) leave it
    `sent`, unconfirmed. Never `failed`, and no delivery_failed: the person's next contact
    method is not paged for a message that probably arrived. False if the claim was lost."""
    now = timezone.now()
    count = message.data.get("unconfirmed", 0) + 1
    data = {**message.data, "unconfirmed": count}
    same = "Message-ID" if message.channel == OutboxChannel.EMAIL else "id"
    if count > 1 or message.attempts >= MAX_ATTEMPTS:
        again = " again" if count > 1 else ""
        text = (
            f"{error.taken} but did not confirm it{again} ({error.why}); "
            "not retried, to avoid a duplicate"
        )
        changes = {
            "state": OutboxState.SENT,
            "sent_at": now,
            "provider_message_id": error.provider_message_id[:255],
            "last_error": f"not confirmed: {error.reason}"[:2000],
        }
    else:
        at = now + UNCONFIRMED_PAUSE
        text = (
            f"{error.reason}; trying once more at {at.astimezone(UTC):%H:%M} UTC "
            f"with the same {same}"
        )
        changes = {"state": OutboxState.PENDING, "next_attempt_at": at, "last_error": error.reason}
    with transaction.atomic():
        if not mine(message).update(data=data, **changes):
            return False
        message.data = data
        for name, value in changes.items():
            setattr(message, name, value)
        if message.purpose == Purpose.PAGE and message.incident is not None:
            record_unconfirmed(message, text, count=count)
    logger.warning("outbox message %s: %s", message.pk, text)
    return True


def drop_if_not_needed(message: OutboxMessage) -> bool:
    """A page, just before it is sent: drop it if its incident no longer needs anyone, else
    render it again from the incident as it is now. True if it was dropped."""
    if message.purpose != Purpose.PAGE or message.incident_id is None:
        return False
    incident = Incident.objects.select_related(
        "severity", "team", "acknowledged_by", "resolved_by"
    ).get(pk=message.incident_id)
    message.incident = incident
    reason = no_longer_needed(incident)
    if reason is None:
        if message.channel == OutboxChannel.EMAIL and message.recipient is not None:
            subject, text, html = page_email(
                incident, message.recipient, reason=message.data.get("reason", "")
            )
            message.subject, message.body_text, message.body_html = subject[:255], text, html
            mine(message).update(subject=message.subject, body_text=text, body_html=html)
        return False
    with transaction.atomic():
        if not mine(message).update(state=OutboxState.DROPPED, last_error=reason[:2000]):
            return False
        message.state, message.last_error = OutboxState.DROPPED, reason
        record_dropped(message, reason)
    logger.info("outbox message %s dropped: %s", message.pk, reason)
    return True
