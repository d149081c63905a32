"""What support tickets do when their incident changes: registered in apps.py, listed in
tocsin/incidents/reactions.py and docs/architecture.md."""

from django.utils import timezone

from tocsin.incidents.models import Incident

from . import notices
from .models import CloseReason, TicketEvent, TicketStatus
from .services import write


def incident_resolved(incident: Incident, event) -> None:
    """Close the incident's open tickets as fixed and tell their agents, who answer the customer.

    Inside the resolution's transaction, like every reaction."""
    for ticket in incident.tickets.select_for_update().exclude(status=TicketStatus.CLOSED):
        ticket.status = TicketStatus.CLOSED
        ticket.close_reason = CloseReason.FIXED
        ticket.close_note = f"{incident.reference} was resolved: {incident.resolution}"
        ticket.closed_at = ticket.updated_at = timezone.now()
        ticket.save()
        write(
            ticket,
            TicketEvent.Kind.INCIDENT,
            f"{incident.reference} resolved by {incident.resolved_by or event.actor_name}: "
            f"{incident.resolution}",
            by=None,
            incident=incident.pk,
            resolved_at=incident.resolved_at.isoformat(),
        )
        notices.incident_resolved(ticket, incident)


def incident_cancelled(incident: Incident, event) -> None:
    """Give a cancelled incident's open tickets back to triage, without it; tell their agents."""
    for ticket in incident.tickets.select_for_update().exclude(status=TicketStatus.CLOSED):
        ticket.incident = None
        ticket.status = TicketStatus.TRIAGED
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["incident", "status", "updated_at"])
        write(
            ticket,
            TicketEvent.Kind.INCIDENT,
            f"{incident.reference} was cancelled ({incident.cancel_reason}): the ticket is back "
            "to triage",
            by=None,
            incident=incident.pk,
        )
        notices.incident_cancelled(ticket, incident)


def incident_reopened(incident: Incident, event) -> None:
    """Escalate again the tickets its resolution closed: they are open with their incident."""
    for ticket in incident.tickets.select_for_update().filter(
        status=TicketStatus.CLOSED, close_reason=CloseReason.FIXED
    ):
        ticket.status = TicketStatus.ESCALATED
        ticket.close_reason, ticket.close_note = "", ""
        ticket.closed_at, ticket.updated_at = None, timezone.now()
        ticket.save()
        write(
            ticket,
            TicketEvent.Kind.INCIDENT,
            f"{incident.reference} reopened: {event.message}",
            by=None,
            incident=incident.pk,
        )
