"""The escalation engine follows incidents, inside the transaction that changed them: the timer
rows exist, or are stopped, exactly when that change commits.

- Declared, reopened or triggered again: a paging severity escalates; another tells the team.
- Severity raised to a paging one while nobody has acknowledged: escalation starts; lowered
  to one that does not page: it stops.
- Acknowledged or assigned: escalation stops, and the severity's acknowledgement timeout is
  armed; moving on to identified or monitoring re-arms it (work is going on).
- Resolved or cancelled: escalation stops and the timeout is disarmed.
"""

from django.dispatch import receiver

from tocsin.incidents.models import Event, Incident, Status, TimelineEvent
from tocsin.incidents.signals import timeline_recorded
from tocsin.notify.models import Purpose
from tocsin.notify.services import enqueue_team_notification
from tocsin.notify.signals import delivery_failed

from .escalation import (
    ACKNOWLEDGED_STATUSES,
    arm_acknowledgement_timer,
    disarm_acknowledgement_timer,
    has_active_escalation,
    next_contact_method,
    start_escalation,
    stop_escalation,
)


@receiver(timeline_recorded)
def escalate_paging_incidents(sender, incident: Incident, event: TimelineEvent, **kwargs):
    kind, to = event.kind, event.data.get("to")
    if kind in (Event.CREATED, Event.REOPENED) or (
        kind == Event.STATUS_CHANGED and to == Status.TRIGGERED
    ):
        _page_or_tell_the_team(incident, event)
    elif kind == Event.SEVERITY_CHANGED:
        _follow_severity(incident, event)
    elif kind in (Event.ACKNOWLEDGED, Event.ASSIGNED):
        owner = incident.acknowledged_by
        by = f"assigned to {owner} by" if kind == Event.ASSIGNED else "acknowledged by"
        stop_escalation(incident, reason=f"{by} {event.actor_name}", now=event.at)
        arm_acknowledgement_timer(incident, since=event.at)
    elif kind == Event.STATUS_CHANGED and to in ACKNOWLEDGED_STATUSES:
        arm_acknowledgement_timer(incident, since=event.at)
    elif kind in (Event.RESOLVED, Event.CANCELLED):
        verb = "resolved" if kind == Event.RESOLVED else "cancelled"
        stop_escalation(incident, reason=f"{verb} by {event.actor_name}", now=event.at)
        disarm_acknowledgement_timer(incident)


def _page_or_tell_the_team(incident: Incident, event: TimelineEvent) -> None:
    if incident.severity.pages_oncall:
        start_escalation(incident, now=event.at)
    else:
        enqueue_team_notification(
            incident,
            reason=f"{incident.severity} does not page on-call",
            idempotency_key=f"team-notification:{incident.pk}:{event.pk}",
        )


def _follow_severity(incident: Incident, event: TimelineEvent) -> None:
    severity = incident.severity
    if severity.pages_oncall:
        if incident.status == Status.TRIGGERED and not has_active_escalation(incident):
            start_escalation(incident, now=event.at)
    elif has_active_escalation(incident):
        stop_escalation(
            incident, reason=f"severity lowered to {severity}, which does not page", now=event.at
        )
    if incident.status in ACKNOWLEDGED_STATUSES:
        arm_acknowledgement_timer(incident, since=event.at)


@receiver(delivery_failed)
def page_the_next_contact_method(sender, message, reason, **kwargs):
    if message.purpose == Purpose.PAGE:
        next_contact_method(message)
