"""The escalation engine follows incidents: start on declare and reopen; stop on ack and close."""

from django.dispatch import receiver

from tocsin.incidents.models import Event
from tocsin.incidents.signals import timeline_recorded
from tocsin.notify.models import Purpose
from tocsin.notify.services import enqueue_team_notification
from tocsin.notify.signals import delivery_failed

from .escalation import next_contact_method, start_escalation, stop_escalation

STOPPED_BY = {
    Event.ACKNOWLEDGED: "acknowledged by",
    Event.RESOLVED: "resolved by",
    Event.CANCELLED: "cancelled by",
}


@receiver(timeline_recorded)
def escalate_paging_incidents(sender, incident, event, **kwargs):
    # Inside the transaction that declared, reopened or acknowledged the incident: the timer
    # row exists, or is stopped, exactly when that change commits.
    if event.kind in (Event.CREATED, Event.REOPENED):
        if incident.severity.pages_oncall:
            start_escalation(incident, now=event.at)
        else:
            enqueue_team_notification(
                incident,
                reason=f"{incident.severity} does not page on-call",
                idempotency_key=f"team-notification:{incident.pk}:{event.pk}",
            )
    elif event.kind in STOPPED_BY:
        stop_escalation(
            incident, reason=f"{STOPPED_BY[event.kind]} {event.actor_name}", now=event.at
        )


@receiver(delivery_failed)
def page_the_next_contact_method(sender, message, reason, **kwargs):
    if message.purpose == Purpose.PAGE:
        next_contact_method(message)
