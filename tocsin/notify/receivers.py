"""Outbox messages that follow from what happens to incidents, queued inside the transaction
that made the change: they exist exactly when that change commits."""

from django.dispatch import receiver

from tocsin.incidents.models import Event, Status
from tocsin.incidents.signals import timeline_recorded

from .chat import resolution_notice
from .models import ChatChannel
from .services import (
    enqueue_chat_edits,
    enqueue_chat_notice,
    enqueue_chat_post,
    enqueue_resolution_email,
)

# What changes an incident's chat message: its status, owner, severity, title or resolution.
EDITS_CHAT = {
    Event.ACKNOWLEDGED,
    Event.ASSIGNED,
    Event.STATUS_CHANGED,
    Event.SEVERITY_CHANGED,
    Event.UPDATED,
    Event.RESOLVED,
    Event.CANCELLED,
    Event.REOPENED,
}


@receiver(timeline_recorded)
def tell_the_team(sender, incident, event, **kwargs):
    if event.kind == Event.CREATED:
        # Every severity is posted to the team's chats; only paging ones also page people.
        for chat in ChatChannel.objects.filter(team=incident.team_id):
            enqueue_chat_post(incident, chat, idempotency_key=f"chat-post:{chat.pk}:{event.pk}")
    if event.kind in EDITS_CHAT:
        enqueue_chat_edits(incident, event)
    if event.kind == Event.RESOLVED:
        enqueue_resolution_email(incident, event)
        _tell_the_chats(incident, event, resolution_notice(incident))
    elif event.kind == Event.REOPENED or (
        event.kind == Event.STATUS_CHANGED and event.data.get("to") == Status.TRIGGERED
    ):
        # An edit makes no sound in a chat: a line in the thread says it needs someone again.
        _tell_the_chats(incident, event, f"{incident.reference}: {event.message}")


def _tell_the_chats(incident, event, text: str) -> None:
    for chat in ChatChannel.objects.filter(team=incident.team_id):
        enqueue_chat_notice(
            incident, chat, text, idempotency_key=f"chat-notice:{chat.pk}:{event.pk}"
        )
