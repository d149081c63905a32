"""Queuing e-mails: a page to one person, and what a team's list hears about its incidents."""

from tocsin.accounts.models import ContactKind, ContactMethod, User
from tocsin.incidents.models import Incident, TimelineEvent
from tocsin.notify.outbox.models import OutboxChannel, OutboxMessage, Purpose
from tocsin.notify.outbox.services import enqueue, enqueue_page

from . import content


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
    subject, text, html = content.page_email(incident, user, reason=reason)
    return enqueue_page(
        incident,
        user,
        contact_method,
        channel=OutboxChannel.EMAIL,
        method="e-mail",
        reason=reason,
        idempotency_key=idempotency_key,
        subject=subject,
        body_text=text,
        body_html=html,
    )


def _mail_the_team(
    incident: Incident, email: tuple[str, str, str], *, purpose: str, idempotency_key: str, data
) -> OutboxMessage:
    subject, text, html = email
    return enqueue(
        idempotency_key=idempotency_key,
        channel=OutboxChannel.EMAIL,
        address=incident.team.email,
        subject=subject,
        body_text=text,
        body_html=html,
        incident=incident,
        purpose=purpose,
        data=data,
    )


def enqueue_team_notification(
    incident: Incident, *, reason: str, idempotency_key: str
) -> OutboxMessage | None:
    """Tell the team's e-mail list about an incident that pages no one; None without a list."""
    if not incident.team.email:
        return None
    return _mail_the_team(
        incident,
        content.team_notification_email(incident, reason=reason),
        purpose=Purpose.TEAM_NOTIFICATION,
        idempotency_key=idempotency_key,
        data={"reason": reason},
    )


def enqueue_resolution_email(incident: Incident, event: TimelineEvent) -> OutboxMessage | None:
    """Tell the team's e-mail list that `incident` is resolved; None when it has no list."""
    if not incident.team.email:
        return None
    return _mail_the_team(
        incident,
        content.resolution_email(incident),
        purpose=Purpose.RESOLUTION,
        idempotency_key=f"resolution:{incident.pk}:{event.pk}",
        data={"event": event.pk},
    )


def enqueue_change_email(incident: Incident, event: TimelineEvent) -> OutboxMessage | None:
    """Tell the team's e-mail list that `incident` was reopened or cancelled; None without one."""
    if not incident.team.email:
        return None
    return _mail_the_team(
        incident,
        content.change_email(incident, event),
        purpose=Purpose.TEAM_NOTIFICATION,
        idempotency_key=f"{event.kind}:{incident.pk}:{event.pk}",
        data={"event": event.pk},
    )
