"""Who is told when a ticket changes, inside the change's transaction: the agent who opened it
and its watchers by e-mail (never the person who made the change), the team's leads of a new
ticket, and the webhooks that receive ticket events (a tracker takes its labels from the
tagline). Everything goes through the outbox."""

import json

from django.conf import settings
from django.urls import reverse

from tocsin.accounts.models import MembershipRole, User
from tocsin.notify.outbox.models import OutboxChannel, Purpose
from tocsin.notify.outbox.services import enqueue
from tocsin.webhooks.models import EventType
from tocsin.webhooks.services import enqueue_for_team

from .models import Ticket, TicketEvent


def ticket_url(ticket: Ticket) -> str:
    return settings.BASE_URL + reverse("ticket-detail", args=[ticket.pk])


def _latest(ticket: Ticket) -> TicketEvent:
    return ticket.history.order_by("-at", "-id").first()


def _mail(ticket: Ticket, people, *, subject: str, lines: list[str], event: TicketEvent) -> None:
    actor_id = event.actor_id
    for person in people:
        if person.pk == actor_id or not person.is_active or not person.email:
            continue
        enqueue(
            idempotency_key=f"ticket:{ticket.pk}:{event.pk}:{person.pk}",
            channel=OutboxChannel.EMAIL,
            address=person.email,
            subject=f"[{ticket.reference}] {subject}",
            body_text="\n\n".join([*lines, ticket_url(ticket)]) + "\n",
            incident=ticket.incident,
            recipient=person,
            purpose=Purpose.TEAM_NOTIFICATION,
            data={"ticket": ticket.pk, "notice": f"ticket-{event.kind}"},
        )


def _followers(ticket: Ticket) -> list[User]:
    people = {ticket.reported_by_id: ticket.reported_by}
    for watcher in ticket.watchers.all():
        people.setdefault(watcher.pk, watcher)
    return list(people.values())


def ticket_data(ticket: Ticket) -> dict:
    incident = ticket.incident
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "tagline": ticket.tagline,
        "labels": ticket.labels,
        "title": ticket.title,
        "scope": ticket.scope,
        "criticality": ticket.criticality,
        "classification": ticket.classification or None,
        "urgency": ticket.urgency,
        "status": ticket.status,
        "close_reason": ticket.close_reason or None,
        "team": {"slug": ticket.team.slug, "name": ticket.team.name},
        "incident": None
        if incident is None
        else {"id": incident.pk, "reference": incident.reference},
        "url": ticket_url(ticket),
    }


def _webhooks(ticket: Ticket, type_: str, event: TicketEvent) -> None:
    body = {
        "id": f"ticket-event-{event.pk}",
        "type": type_,
        "created_at": event.at.isoformat().replace("+00:00", "Z"),
        "ticket": ticket_data(ticket),
        "event": {"kind": event.kind, "message": event.message, "actor_name": event.actor_name},
    }
    enqueue_for_team(
        ticket.team,
        type_=type_,
        key=f"ticket-event-{event.pk}",
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
    )


def opened(ticket: Ticket) -> None:
    event = _latest(ticket)
    leads = User.objects.filter(
        memberships__team=ticket.team, memberships__role=MembershipRole.LEAD
    ).distinct()
    _mail(
        ticket,
        leads,
        subject=f"New ticket for {ticket.team.name}: {ticket.tagline}",
        lines=[
            f"{ticket.reported_by} opened {ticket.reference} for {ticket.team.name} to triage "
            f"(urgency {ticket.get_urgency_display()}):",
            ticket.tagline,
            f"What happened: {ticket.what_happened}",
        ],
        event=event,
    )
    _webhooks(ticket, EventType.TICKET_OPENED, event)


def triaged(ticket: Ticket) -> None:
    event = _latest(ticket)
    _mail(
        ticket,
        _followers(ticket),
        subject=f"Triaged: {ticket.tagline}",
        lines=[event.message],
        event=event,
    )
    _webhooks(ticket, EventType.TICKET_TRIAGED, event)


def escalated(ticket: Ticket) -> None:
    event = _latest(ticket)
    incident = ticket.incident
    _mail(
        ticket,
        _followers(ticket),
        subject=f"Escalated to {incident.reference}: {ticket.tagline}",
        lines=[
            event.message,
            "You will be told here when the incident is resolved, so you can answer the customer.",
        ],
        event=event,
    )
    _webhooks(ticket, EventType.TICKET_ESCALATED, event)


def closed(ticket: Ticket) -> None:
    event = _latest(ticket)
    _mail(
        ticket,
        _followers(ticket),
        subject=f"Closed ({ticket.get_close_reason_display()}): {ticket.tagline}",
        lines=[event.message],
        event=event,
    )
    _webhooks(ticket, EventType.TICKET_CLOSED, event)


def commented(ticket: Ticket, event: TicketEvent) -> None:
    _mail(
        ticket,
        _followers(ticket),
        subject=f"Comment from {event.actor_name}: {ticket.tagline}",
        lines=[f"{event.actor_name} wrote:", event.message],
        event=event,
    )


def incident_resolved(ticket: Ticket, incident) -> None:
    event = _latest(ticket)
    _mail(
        ticket,
        _followers(ticket),
        subject=f"Resolved: {incident.reference} fixed {ticket.tagline}",
        lines=[
            f"{incident.reference} “{incident.title}”, which this ticket was escalated to, was "
            f"resolved at {incident.resolved_at:%Y-%m-%d %H:%M} UTC by "
            f"{incident.resolved_by or event.actor_name}.",
            f"Resolution: {incident.resolution}",
            f"You can now answer the customer (user id {ticket.customer_user_id}).",
        ],
        event=event,
    )
    _webhooks(ticket, EventType.TICKET_CLOSED, event)


def incident_cancelled(ticket: Ticket, incident) -> None:
    event = _latest(ticket)
    _mail(
        ticket,
        _followers(ticket),
        subject=f"Back to triage: {incident.reference} was cancelled",
        lines=[event.message],
        event=event,
    )
