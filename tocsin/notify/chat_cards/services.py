"""Chat: one live message per incident and chat, edited in place; pages by direct message.

The senders render the card from the database when they send, so `body_text` here is only what
the incident looked like when the message was queued (for the outbox log).
"""

from tocsin.accounts.models import ContactKind, ContactMethod, User
from tocsin.incidents.models import Incident, TimelineEvent
from tocsin.notify.outbox.models import OutboxChannel, OutboxMessage, OutboxState, Purpose
from tocsin.notify.outbox.services import enqueue, enqueue_page
from tocsin.notify.team_chats.models import ChatChannel
from tocsin.text import without_bidi_controls

from .card import card

CHAT_CONTACT_KINDS = {
    ContactKind.TELEGRAM: OutboxChannel.TELEGRAM,
    ContactKind.SLACK: OutboxChannel.SLACK,
}


def _subject(incident: Incident) -> str:
    return f"{incident.reference} {without_bidi_controls(incident.title)}"


def _team_chats(incident: Incident):
    return ChatChannel.objects.filter(team=incident.team_id)


def enqueue_chat_post(
    incident: Incident, chat: ChatChannel, *, idempotency_key: str
) -> OutboxMessage:
    """Post the incident, with its buttons, to a team's group chat."""
    return enqueue(
        idempotency_key=idempotency_key,
        channel=chat.kind,
        address=chat.chat_id,
        subject=_subject(incident),
        body_text=card(incident).text,
        incident=incident,
        purpose=Purpose.CHAT_POST,
        data={"live": True, "chat": chat.pk},
    )


def post_to_team_chats(incident: Incident, event: TimelineEvent) -> list[OutboxMessage]:
    """Post the incident's card to each of its team's chats, once per event."""
    return [
        enqueue_chat_post(incident, chat, idempotency_key=f"chat-post:{chat.pk}:{event.pk}")
        for chat in _team_chats(incident)
    ]


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
    return enqueue_page(
        incident,
        user,
        contact_method,
        channel=CHAT_CONTACT_KINDS[contact_method.kind],
        method=contact_method.get_kind_display(),
        reason=reason,
        idempotency_key=idempotency_key,
        subject=_subject(incident),
        body_text=card(incident, reason=reason).text,
        data={"live": True},
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
        subject=_subject(incident),
        body_text=text,
        incident=incident,
        purpose=Purpose.CHAT_POST,
        data={"chat": chat.pk, "reply_to": post.pk if post else None},
    )


def reply_in_team_chats(incident: Incident, event: TimelineEvent, text: str) -> list[OutboxMessage]:
    """Say `text` in each of the team's chats, in the incident's thread, once per event."""
    return [
        enqueue_chat_notice(
            incident, chat, text, idempotency_key=f"chat-notice:{chat.pk}:{event.pk}"
        )
        for chat in _team_chats(incident)
    ]
