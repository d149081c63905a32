"""The incident's life: declared, acknowledged or assigned, worked, resolved or cancelled, reopened,
triggered again."""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.accounts.models import Team, User
from tocsin.accounts.permissions import (
    ensure_can_write,
    ensure_manages_incident,
    ensure_may_acknowledge,
    ensure_team_member,
    ensure_works_incident,
)
from tocsin.errors import Conflict, InvalidTransition, ValidationFailed

from ..models import (
    OPEN_STATUSES,
    Channel,
    Event,
    Incident,
    Role,
    RoleAssignment,
    Service,
    Severity,
    Source,
    Status,
)
from .roles import ensure_can_hold_role
from .timeline import STATUS_TIMESTAMP, clean_text, label, locked, record, transition


def declare(
    *,
    title: str,
    severity: Severity,
    team: Team,
    by: User | None,
    via: str = Channel.WEB,
    description: str = "",
    services: Iterable[Service] = (),
    source: str = Source.MANUAL,
    drill: bool = False,
    impact_who: str = "",
    impact_how: str = "",
    commander: User | None = None,
    grouping_key: str = "",
    system: str = "",
) -> Incident:
    """Open a new incident; the person declaring it is its first commander unless told otherwise.

    A non-empty `grouping_key` must not belong to another open incident (a database constraint:
    the caller catches IntegrityError and joins the incident that won).
    """
    if by is not None:
        ensure_can_write(by)
    title = clean_text(title, field="title", required=True, max_length=200)
    description = clean_text(description, field="description", required=False)
    if source not in Source.values:
        raise ValidationFailed(f"unknown source {source!r}", field="source")
    commander = commander or by
    if commander is not None:
        ensure_can_hold_role(commander)
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title,
            description=description,
            severity=severity,
            team=team,
            source=source,
            drill=drill,
            reported_by=by,
            impact_who=clean_text(impact_who, field="impact_who", required=False),
            impact_how=clean_text(impact_how, field="impact_how", required=False),
            grouping_key=grouping_key[:255],
        )
        services = list(services)
        if services:
            incident.services.set(services)
        kind = "Drill" if drill else "Incident"
        record(
            incident,
            Event.CREATED,
            actor=by,
            via=via,
            system=system,
            message=f"{kind} declared as {severity} for {team.name}: {title}",
            data={"severity": severity.key, "team": team.slug, "source": source},
        )
        if commander is not None:
            RoleAssignment.objects.create(incident=incident, user=commander, role=Role.COMMANDER)
            record(
                incident,
                Event.ROLE_ASSIGNED,
                actor=by,
                via=via,
                message=f"{commander} is the commander",
                data={"role": Role.COMMANDER, "user": commander.pk},
            )
    return incident


def acknowledge(*, incident: Incident, by: User | None, via: str, system: str = "") -> Incident:
    """Make `by` the owner of the incident; idempotent for the same person.

    With `by=None` a source acknowledges (a PagerDuty client's acknowledge event): the incident
    is Working with no owner yet, and a person may still take it.
    """
    if by is None:
        return _acknowledge_by_source(incident=incident, via=via, system=system)
    with transaction.atomic():
        incident = locked(incident)
        ensure_may_acknowledge(incident, by)
        if incident.acknowledged_by_id == by.id and incident.is_open:
            return incident
        if incident.acknowledged_by_id is not None and incident.is_open:
            raise Conflict(
                f"{incident.reference} is already acknowledged by {incident.acknowledged_by} "
                f"at {incident.acknowledged_at:%Y-%m-%d %H:%M} UTC"
            )
        if not incident.is_open or incident.status == Status.TRIGGERED:
            transition(incident, to=Status.ACKNOWLEDGED)
        incident.acknowledged_by = by
        incident.acknowledged_at = incident.acknowledged_at or timezone.now()
        incident.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        record(
            incident,
            Event.ACKNOWLEDGED,
            actor=by,
            via=via,
            message=f"{by} acknowledged the incident and is working on it",
            data={"owner": by.pk},
        )
    return incident


def _acknowledge_by_source(*, incident: Incident, via: str, system: str) -> Incident:
    if not system:
        raise ValueError("an acknowledgement needs a person or a named system")
    with transaction.atomic():
        incident = locked(incident)
        if incident.status != Status.TRIGGERED:
            return incident
        transition(incident, to=Status.ACKNOWLEDGED)
        incident.acknowledged_at = timezone.now()
        incident.save(update_fields=["status", "acknowledged_at", "updated_at"])
        record(
            incident,
            Event.ACKNOWLEDGED,
            actor=None,
            via=via,
            system=system,
            message=f"{system} acknowledged the incident; nobody owns it yet",
        )
    return incident


def assign(*, incident: Incident, to: User, by: User, via: str) -> Incident:
    """A lead or the commander makes a team member the owner, acknowledging on their behalf."""
    with transaction.atomic():
        incident = locked(incident)
        ensure_manages_incident(incident, by, action="assign")
        ensure_team_member(incident.team, to, action="own an incident")
        if not incident.is_open:
            raise InvalidTransition(
                f"{incident.reference} is {label(incident.status)}; reopen it first", field="status"
            )
        if incident.acknowledged_by_id == to.id:
            return incident
        previous = incident.acknowledged_by
        if incident.status == Status.TRIGGERED:
            transition(incident, to=Status.ACKNOWLEDGED)
            incident.acknowledged_at = timezone.now()
        incident.acknowledged_by = to
        incident.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        message = f"{by} assigned the incident to {to}"
        if previous:
            message += f" (was {previous})"
        record(
            incident,
            Event.ASSIGNED,
            actor=by,
            via=via,
            message=message,
            data={"owner": to.pk, "previous_owner": previous.pk if previous else None},
        )
    return incident


def set_status(*, incident: Incident, status: str, by: User, via: str) -> Incident:
    """Move an acknowledged incident to identified or monitoring."""
    if status not in (Status.IDENTIFIED, Status.MONITORING):
        hint = {
            Status.ACKNOWLEDGED: "acknowledge",
            Status.RESOLVED: "resolve",
            Status.CANCELLED: "cancel",
            Status.TRIGGERED: "reopen",
        }.get(status)
        if hint:
            raise ValidationFailed(f"use {hint} to move to {label(status)}", field="status")
        raise ValidationFailed(f"unknown status {status!r}", field="status")
    with transaction.atomic():
        incident = locked(incident)
        ensure_works_incident(incident, by, action="change its status")
        if incident.status == status:
            return incident
        before = transition(incident, to=status)
        setattr(incident, STATUS_TIMESTAMP[status], timezone.now())
        incident.save(update_fields=["status", STATUS_TIMESTAMP[status], "updated_at"])
        record(
            incident,
            Event.STATUS_CHANGED,
            actor=by,
            via=via,
            message=f"Status changed from {label(before)} to {label(status)}",
            data={"from": before, "to": status},
        )
    return incident


def resolve(
    *,
    incident: Incident,
    by: User | None,
    via: str,
    resolution: str,
    resolved_by: User | None = None,
    resolved_at: datetime | None = None,
    system: str = "",
) -> Incident:
    """Close the incident; `resolved_by` defaults to its owner, `resolved_at` to now."""
    resolution = clean_text(resolution, field="resolution", required=True)
    now = timezone.now()
    with transaction.atomic():
        incident = locked(incident)
        if by is not None:
            ensure_works_incident(incident, by, action="resolve it")
        if resolved_at is not None:
            if timezone.is_naive(resolved_at):
                raise ValidationFailed("resolved_at needs a time zone", field="resolved_at")
            if resolved_at > now or resolved_at < incident.reported_at:
                raise ValidationFailed(
                    "resolved_at must lie between the report time and now", field="resolved_at"
                )
        if resolved_by is not None:
            ensure_team_member(incident.team, resolved_by, action="be named as resolver")
        before = transition(incident, to=Status.RESOLVED)
        incident.resolved_by = resolved_by or incident.acknowledged_by or by
        incident.resolved_at = resolved_at or now
        incident.resolution = resolution
        incident.save(
            update_fields=["status", "resolved_by", "resolved_at", "resolution", "updated_at"]
        )
        who = incident.resolved_by or system or "Tocsin"
        message = f"Resolved by {who}: {resolution}"
        if by is not None and incident.resolved_by != by:
            message += f" (recorded by {by})"
        record(
            incident,
            Event.RESOLVED,
            actor=by,
            via=via,
            system=system,
            message=message,
            data={
                "from": before,
                "resolved_by": incident.resolved_by.pk if incident.resolved_by else None,
                "resolved_at": incident.resolved_at.isoformat(),
            },
        )
    return incident


def cancel(*, incident: Incident, by: User, via: str, reason: str) -> Incident:
    """Close an incident that should not have been one (false alarm, duplicate)."""
    reason = clean_text(reason, field="reason", required=True)
    with transaction.atomic():
        incident = locked(incident)
        ensure_manages_incident(incident, by, action="cancel")
        before = transition(incident, to=Status.CANCELLED)
        incident.cancelled_at, incident.cancel_reason = timezone.now(), reason
        incident.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        record(
            incident,
            Event.CANCELLED,
            actor=by,
            via=via,
            message=f"Cancelled by {by}: {reason}",
            data={"from": before},
        )
    return incident


def reopen(
    *, incident: Incident, by: User | None, via: str, reason: str = "", system: str = ""
) -> Incident:
    """Back to triggered: the owner and resolution are cleared; the timeline keeps them."""
    reason = clean_text(reason, field="reason", required=False)
    with transaction.atomic():
        incident = locked(incident)
        if by is not None:
            ensure_works_incident(incident, by, action="reopen it")
        if incident.status not in (Status.RESOLVED, Status.CANCELLED):
            raise InvalidTransition(
                f"{incident.reference} is {label(incident.status)}, not resolved or cancelled",
                field="status",
            )
        before = transition(incident, to=Status.TRIGGERED)
        for field in (
            "acknowledged_by",
            "acknowledged_at",
            "identified_at",
            "monitoring_at",
            "resolved_by",
            "resolved_at",
            "cancelled_at",
        ):
            setattr(incident, field, None)
        incident.resolution = incident.cancel_reason = ""
        try:
            with transaction.atomic():
                incident.save()
        except IntegrityError:
            newer = Incident.objects.filter(
                grouping_key=incident.grouping_key, status__in=OPEN_STATUSES
            ).first()
            raise Conflict(
                f"{newer.reference if newer else 'another incident'} is already open for the "
                f"same alerts; work on that one instead"
            ) from None
        message = f"Reopened by {by or system or 'Tocsin'}"
        if reason:
            message += f": {reason}"
        record(
            incident,
            Event.REOPENED,
            actor=by,
            via=via,
            system=system,
            message=message,
            data={"from": before},
        )
    return incident


def retrigger(*, incident: Incident, system: str, reason: str) -> Incident:
    """Back to triggered while still open (an acknowledgement timed out): the owner is cleared,
    anybody in the team may acknowledge again, and a paging severity escalates afresh."""
    with transaction.atomic():
        incident = locked(incident)
        if not incident.is_open or incident.status == Status.TRIGGERED:
            return incident
        owner = incident.acknowledged_by
        before = transition(incident, to=Status.TRIGGERED)
        incident.acknowledged_by = incident.acknowledged_at = None
        incident.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        record(
            incident,
            Event.RETRIGGERED,
            actor=None,
            via=Channel.SYSTEM,
            system=system,
            message=f"Triggered again: {reason}",
            data={
                "from": before,
                "to": Status.TRIGGERED,
                "previous_owner": owner.pk if owner else None,
            },
        )
    return incident
