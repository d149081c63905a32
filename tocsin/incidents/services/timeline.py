"""What every incident write uses: the transition table, the timeline, the row lock."""

from tocsin.accounts.models import User
from tocsin.errors import InvalidTransition, ValidationFailed

from ..models import (
    Incident,
    Status,
    TimelineEvent,
)
from ..reactions import react

# Where each status may go next. Back to triggered has two services: `reopen` from a closed
# status (a person or an alert), `retrigger` from an open one (an acknowledgement timed out).
TRANSITIONS: dict[str, set[str]] = {
    Status.TRIGGERED: {Status.ACKNOWLEDGED, Status.RESOLVED, Status.CANCELLED},
    Status.ACKNOWLEDGED: {
        Status.TRIGGERED,
        Status.IDENTIFIED,
        Status.MONITORING,
        Status.RESOLVED,
        Status.CANCELLED,
    },
    Status.IDENTIFIED: {Status.TRIGGERED, Status.MONITORING, Status.RESOLVED, Status.CANCELLED},
    Status.MONITORING: {Status.TRIGGERED, Status.IDENTIFIED, Status.RESOLVED, Status.CANCELLED},
    Status.RESOLVED: {Status.TRIGGERED},
    Status.CANCELLED: {Status.TRIGGERED},
}

STATUS_TIMESTAMP = {
    Status.ACKNOWLEDGED: "acknowledged_at",
    Status.IDENTIFIED: "identified_at",
    Status.MONITORING: "monitoring_at",
    Status.RESOLVED: "resolved_at",
    Status.CANCELLED: "cancelled_at",
}


def label(status: str) -> str:
    return Status(status).label


def transition(incident: Incident, *, to: str) -> str:
    """Move `incident` to status `to` in memory; return the status it left."""
    before = incident.status
    if to not in TRANSITIONS[before]:
        if to == before:
            raise InvalidTransition(
                f"{incident.reference} is already {label(to).lower()}", field="status"
            )
        hint = ""
        if before == Status.TRIGGERED and to in (Status.IDENTIFIED, Status.MONITORING):
            hint = "; acknowledge it first"
        elif before in (Status.RESOLVED, Status.CANCELLED):
            hint = "; reopen it first"
        raise InvalidTransition(
            f"{incident.reference} cannot go from {label(before)} to {label(to)}{hint}",
            field="status",
        )
    incident.status = to
    return before


def record(
    incident: Incident,
    kind: str,
    *,
    actor: User | None,
    via: str,
    message: str,
    data: dict | None = None,
    system: str = "",
) -> TimelineEvent:
    """Append one timeline event and run its reactions, inside the caller's transaction.

    `system` names a non-person actor (an integration, the escalation engine) when `actor` is None.
    """
    event = TimelineEvent.objects.create(
        incident=incident,
        kind=kind,
        actor=actor,
        actor_name=str(actor) if actor else (system or "Tocsin"),
        via=via,
        message=message,
        data=data or {},
    )
    react(incident, event)
    return event


def locked(incident: Incident) -> Incident:
    """The incident, locked for this transaction, with what the timeline and reactions read."""
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("team", "severity", "acknowledged_by", "resolved_by")
        .get(pk=incident.pk)
    )


def clean_text(value: str | None, *, field: str, required: bool, max_length: int = 10_000) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationFailed(f"{field.replace('_', ' ')} contains a NUL character", field=field)
    if required and not value:
        raise ValidationFailed(f"{field.replace('_', ' ')} must not be empty", field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            f"{field.replace('_', ' ')} is longer than {max_length} characters", field=field
        )
    return value
