"""Outbox messages that follow from what happens to incidents, queued inside the transaction
that made the change: they exist exactly when that change commits. Registered in apps.py,
listed in tocsin/incidents/reactions.py."""

from tocsin.incidents.models import Event, Incident, TimelineEvent

from .chat_cards.card import resolution_notice
from .chat_cards.services import enqueue_chat_edits, post_to_team_chats, reply_in_team_chats
from .emails.services import enqueue_change_email, enqueue_resolution_email

# What changes an incident's chat message: its status, owner, severity, title or resolution.
EDITS_CHAT = [
    Event.ACKNOWLEDGED,
    Event.ASSIGNED,
    Event.STATUS_CHANGED,
    Event.RETRIGGERED,
    Event.SEVERITY_CHANGED,
    Event.UPDATED,
    Event.RESOLVED,
    Event.CANCELLED,
    Event.REOPENED,
]


def post_chat_cards(incident: Incident, event: TimelineEvent) -> None:
    """Post the incident's card to each of the team's chats, whatever its severity."""
    post_to_team_chats(incident, event)


def edit_chat_cards(incident: Incident, event: TimelineEvent) -> None:
    """Edit every live chat message of the incident to show it as it is now."""
    enqueue_chat_edits(incident, event)


def mail_the_resolution(incident: Incident, event: TimelineEvent) -> None:
    """E-mail the team's list who resolved it, when, and how."""
    enqueue_resolution_email(incident, event)


def mail_the_change(incident: Incident, event: TimelineEvent) -> None:
    """E-mail the team's list that it was reopened or cancelled, by whom and why."""
    enqueue_change_email(incident, event)


def reply_in_the_chats(incident: Incident, event: TimelineEvent) -> None:
    """Reply in each chat's thread: resolved, reopened, or triggered again (an edit is silent)."""
    if event.kind == Event.RESOLVED:
        text = resolution_notice(incident)
    else:
        text = f"{incident.reference}: {event.message}"
    if incident.drill:
        text = f"[DRILL] {text}"
    reply_in_team_chats(incident, event, text)
