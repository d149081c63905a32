"""The escalation engine follows incidents, inside the transaction that changed them: the timer
rows exist, or are stopped, exactly when that change commits. Registered in apps.py, listed in
tocsin/incidents/reactions.py.

- Declared, reopened or triggered again: a paging severity escalates (through the team's
  policy, else to its leads, and its list is told); another tells the team.
- Severity raised to a paging one while nobody has acknowledged: escalation starts; lowered
  to one that does not page: it stops.
- Acknowledged or assigned: escalation stops, and the severity's acknowledgement timeout is
  armed; moving on to identified or monitoring re-arms it (work is going on).
- Resolved or cancelled: escalation stops and the timeout is disarmed.
"""

from tocsin.incidents.models import Event, Incident, Status, TimelineEvent
from tocsin.notify.emails.services import enqueue_team_notification
from tocsin.notify.models import Purpose

from .escalation.engine import (
    ACKNOWLEDGED_STATUSES,
    arm_acknowledgement_timer,
    disarm_acknowledgement_timer,
    has_active_escalation,
    start_escalation,
    stop_escalation,
)
from .escalation.paging import next_contact_method


def page_or_tell_the_team(incident: Incident, event: TimelineEvent) -> None:
    """A paging severity starts escalation; any other e-mails the team's list (a reopen is told
    by notify's own e-mail). A team without a policy gets both: its leads are paged and its
    list is told."""
    reason = None
    if incident.severity.pages_oncall:
        run = start_escalation(incident, now=event.at)
        if run.policy_id is None:
            reason = f"{incident.team.name} has no escalation policy"
    else:
        reason = f"{incident.severity} does not page on-call"
    if reason and event.kind != Event.REOPENED:
        enqueue_team_notification(
            incident,
            reason=reason,
            idempotency_key=f"team-notification:{incident.pk}:{event.pk}",
        )


def follow_severity(incident: Incident, event: TimelineEvent) -> None:
    """Raised to a paging severity: escalate if nobody owns it; lowered: stop paging."""
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


def stop_for_the_owner(incident: Incident, event: TimelineEvent) -> None:
    """Somebody owns it: stop escalation and arm the acknowledgement timeout."""
    owner = incident.acknowledged_by
    by = f"assigned to {owner} by" if event.kind == Event.ASSIGNED else "acknowledged by"
    stop_escalation(incident, reason=f"{by} {event.actor_name}", now=event.at)
    arm_acknowledgement_timer(incident, since=event.at)


def rearm_on_progress(incident: Incident, event: TimelineEvent) -> None:
    """Identified or monitoring: work goes on, so the acknowledgement timeout starts again."""
    if event.data.get("to") in ACKNOWLEDGED_STATUSES:
        arm_acknowledgement_timer(incident, since=event.at)


def stop_when_closed(incident: Incident, event: TimelineEvent) -> None:
    """Resolved or cancelled: stop escalation and disarm the acknowledgement timeout."""
    verb = "resolved" if event.kind == Event.RESOLVED else "cancelled"
    stop_escalation(incident, reason=f"{verb} by {event.actor_name}", now=event.at)
    disarm_acknowledgement_timer(incident)


def page_the_next_contact_method(sender, message, reason, **kwargs) -> None:
    """A page that will never be delivered: try the person's next contact method."""
    if message.purpose == Purpose.PAGE:
        next_contact_method(message)
