"""Every write to the outbox: messages are enqueued in the transaction that decided to send them."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tocsin.accounts.models import ContactKind, ContactMethod, User
from tocsin.accounts.permissions import ensure_admin
from tocsin.incidents.models import Incident, TimelineEvent

from . import emails
from .chat import card as chat_card
from .models import ChatChannel, OutboxChannel, OutboxMessage, OutboxState, Purpose


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

    Call it inside the transaction that decided to send, so the message exists exactly when
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


def enqueue_page_email(
    incident: Incident,
    user: User,
    contact_method: ContactMethod,
    *,
    reason: str,
    idempotency_key: str,
) -> OutboxMessage:
    """Page `user` by e-mail at `contact_method`, with a signed acknowledge link for them.

    `reason` says why this person (e.g. "on call in Payments primary, level 1 of Payments
    default"); it is shown in the e-mail and kept on the message.
    """
    if contact_method.kind != ContactKind.EMAIL:
        raise ValueError(f"{contact_method} is not an e-mail contact method")
    if contact_method.user_id != user.pk:
        raise ValueError(f"{contact_method} belongs to someone else, not {user}")
    subject, text, html = emails.page_email(incident, user, reason=reason)
    return enqueue(
        idempotency_key=idempotency_key,
        channel=OutboxChannel.EMAIL,
        address=contact_method.address,
        subject=subject,
        body_text=text,
        body_html=html,
        incident=incident,
        recipient=user,
        purpose=Purpose.PAGE,
        data={
            "contact_method": contact_method.pk,
            "method": f"e-mail ({contact_method.address})",
            "reason": reason,
        },
    )


def enqueue_team_notification(
    incident: Incident, *, reason: str, idempotency_key: str
) -> OutboxMessage | None:
    """Tell the team's e-mail list about an incident that pages no one; None without a list."""
    if not incident.team.email:
        return None
    subject, text, html = emails.team_notification_email(incident, reason=reason)
    return enqueue(
        idempotency_key=idempotency_key,
        channel=OutboxChannel.EMAIL,
        address=incident.team.email,
        subject=subject,
        body_text=text,
        body_html=html,
        incident=incident,
        purpose=Purpose.TEAM_NOTIFICATION,
        data={"reason": reason},
    )


def enqueue_resolution_email(incident: Incident, event: TimelineEvent) -> OutboxMessage | None:
    """Tell the team's e-mail list that `incident` is resolved; None when it has no list."""
    if not incident.team.email:
        return None
    subject, text, html = emails.resolution_email(incident)
    return enqueue(
        idempotency_key=f"resolution:{incident.pk}:{event.pk}",
        channel=OutboxChannel.EMAIL,
        address=incident.team.email,
        subject=subject,
        body_text=text,
        body_html=html,
        incident=incident,
        purpose=Purpose.RESOLUTION,
        data={"event": event.pk},
    )


# ---------------------------------------------------------------------------------------------
# Chat: one live message per incident and chat, edited in place; pages by direct message.
# The senders render the card from the database when they send, so `body_text` here is only
# what the incident looked like when the message was queued (for the outbox log).

CHAT_CONTACT_KINDS = {
    ContactKind.TELEGRAM: OutboxChannel.TELEGRAM,
    ContactKind.SLACK: OutboxChannel.SLACK,
}


def enqueue_chat_post(
    incident: Incident, chat: ChatChannel, *, idempotency_key: str
) -> OutboxMessage:
    """Post the incident, with its buttons, to a team's group chat."""
    return enqueue(
        idempotency_key=idempotency_key,
        channel=chat.kind,
        address=chat.chat_id,
        subject=f"{incident.reference} {incident.title}",
        body_text=chat_card(incident).text,
        incident=incident,
        purpose=Purpose.CHAT_POST,
        data={"live": True, "chat": chat.pk},
    )


def enqueue_chat_page(
    incident: Incident,
    user: User,
    contact_method: ContactMethod,
    *,
    reason: str,
    idempotency_key: str,
) -> OutboxMessage:
    """Page `user` by direct message on their linked Telegram or Slack account, with buttons."""
    if contact_method.kind not in CHAT_CONTACT_KINDS:
        raise ValueError(f"{contact_method} is not a chat contact method")
    if contact_method.user_id != user.pk:
        raise ValueError(f"{contact_method} belongs to someone else, not {user}")
    return enqueue(
        idempotency_key=idempotency_key,
        channel=CHAT_CONTACT_KINDS[contact_method.kind],
        address=contact_method.address,
        subject=f"{incident.reference} {incident.title}",
        body_text=chat_card(incident, reason=reason).text,
        incident=incident,
        recipient=user,
        purpose=Purpose.PAGE,
        data={
            "live": True,
            "contact_method": contact_method.pk,
            "method": contact_method.get_kind_display(),
            "reason": reason,
        },
    )


def enqueue_chat_edits(incident: Incident, event: TimelineEvent) -> list[OutboxMessage]:
    """Re-render every live chat message of `incident` (group posts and personal pages)."""
    live = OutboxMessage.objects.filter(incident=incident, data__live=True).exclude(
        state=OutboxState.FAILED
    )
    return [
        enqueue(
            idempotency_key=f"chat-edit:{message.pk}:{event.pk}",
            channel=message.channel,
            address=message.address,
            subject=message.subject,
            body_text=event.message,
            incident=incident,
            recipient=message.recipient,
            purpose=Purpose.CHAT_EDIT,
            data={"edits": message.pk, "event": event.pk},
        )
        for message in live.order_by("id")
    ]


def enqueue_chat_notice(
    incident: Incident, chat: ChatChannel, text: str, *, idempotency_key: str
) -> OutboxMessage:
    """A line in the team's chat about the incident, as a reply to its live message."""
    post = (
        OutboxMessage.objects.filter(
            incident=incident, purpose=Purpose.CHAT_POST, data__chat=chat.pk, data__live=True
        )
        .order_by("-id")
        .first()
    )
    return enqueue(
        idempotency_key=idempotency_key,
        channel=chat.kind,
        address=chat.chat_id,
        subject=f"{incident.reference} {incident.title}",
        body_text=text,
        incident=incident,
        purpose=Purpose.CHAT_POST,
        data={"chat": chat.pk, "reply_to": post.pk if post else None},
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
