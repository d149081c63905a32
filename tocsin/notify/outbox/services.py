"""Every write to the outbox: messages are enqueued in the transaction that decided to send them."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tocsin.accounts.models import ContactMethod, User
from tocsin.accounts.permissions import ensure_admin
from tocsin.incidents.models import Incident

from .models import OutboxChannel, OutboxMessage, OutboxState, Purpose


def enqueue(
    *,
    idempotency_key: str,
    channel: str,
    address: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    incident: Incident | None = None,
    recipient: User | None = None,
    purpose: str,
    data: dict | None = None,
) -> OutboxMessage:
    """Add one delivery to the outbox; the same key returns the existing row and adds nothing.

    Call it inside the transaction that decides to send, so the message exists exactly when
    that decision was committed. A worker delivers it after the commit (deliver_due).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "enqueue() must run inside the transaction that decides to send "
            "(wrap the caller in transaction.atomic())"
        )
    if not idempotency_key or len(idempotency_key) > 255:
        raise ValueError("an idempotency key is 1 to 255 characters")
    if channel not in OutboxChannel.values:
        raise ValueError(f"unknown channel {channel!r}; use one of {OutboxChannel.values}")
    if purpose not in Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}; use one of {Purpose.values}")
    if not address:
        raise ValueError("an outbox message needs an address")
    # get_or_create inserts inside a savepoint and, when a concurrent transaction inserted the
    # same key first (the unique constraint), waits for it and returns that row instead.
    message, _ = OutboxMessage.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "channel": channel,
            "purpose": purpose,
            "address": address,
            "subject": " ".join(subject.split())[:255],
            "body_text": body_text,
            "body_html": body_html,
            "incident": incident,
            "recipient": recipient,
            "data": data or {},
        },
    )
    return message


def enqueue_page(
    incident: Incident,
    user: User,
    contact_method: ContactMethod,
    *,
    channel: str,
    method: str,
    reason: str,
    idempotency_key: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    data: dict | None = None,
) -> OutboxMessage:
    """Page `user` at one of their own contact methods, whatever its channel.

    `method` names the channel on the timeline ("e-mail"; never the address, which a viewer
    must not see and which stays on the row), `reason`
    says why this person; the escalation engine reads `contact_method` back when the page fails.
    """
    if contact_method.user_id != user.pk:
        raise ValueError(f"{contact_method} belongs to someone else, not {user}")
    return enqueue(
        idempotency_key=idempotency_key,
        channel=channel,
        address=contact_method.address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        incident=incident,
        recipient=user,
        purpose=Purpose.PAGE,
        data={
            **(data or {}),
            "contact_method": contact_method.pk,
            "method": method,
            "reason": reason,
        },
    )


def retry_now(*, messages: QuerySet[OutboxMessage], by: User) -> int:
    """Send failed or waiting messages again at once, with fresh attempts (an admin's action).

    A message being sent right now (state `sending`) is left alone: resetting it would send it
    twice. Returns how many will be sent again.
    """
    ensure_admin(by)
    with transaction.atomic():
        return messages.filter(state__in=[OutboxState.FAILED, OutboxState.PENDING]).update(
            state=OutboxState.PENDING, next_attempt_at=timezone.now(), attempts=0, last_error=""
        )
