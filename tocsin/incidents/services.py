"""Every write to incidents: one transaction each, with its timeline event and side effects."""

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
    may_hold_incident_role,
)
from tocsin.errors import Conflict, InvalidTransition, ValidationFailed

from .models import (
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
    TimelineEvent,
)
from .signals import timeline_recorded

# Where each status may go next; reopen (back to triggered) has its own service.
TRANSITIONS: dict[str, set[str]] = {
    Status.TRIGGERED: {Status.ACKNOWLEDGED, Status.RESOLVED, Status.CANCELLED},
    Status.ACKNOWLEDGED: {Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED, Status.CANCELLED},
    Status.IDENTIFIED: {Status.MONITORING, Status.RESOLVED, Status.CANCELLED},
    Status.MONITORING: {Status.IDENTIFIED, Status.RESOLVED, Status.CANCELLED},
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
    """Append one timeline event and announce it, inside the caller's transaction.

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
    timeline_recorded.send(sender=Incident, incident=incident, event=event)
    return event


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("team", "severity", "acknowledged_by", "resolved_by")
        .get(pk=incident.pk)
    )


def _clean_text(value: str | None, *, field: str, required: bool, max_length: int = 10_000) -> str:
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
    title = _clean_text(title, field="title", required=True, max_length=200)
    description = _clean_text(description, field="description", required=False)
    if source not in Source.values:
        raise ValidationFailed(f"unknown source {source!r}", field="source")
    commander = commander or by
    if commander is not None:
        _ensure_can_hold_role(commander)
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title,
            description=description,
            severity=severity,
            team=team,
            source=source,
            drill=drill,
            reported_by=by,
            impact_who=_clean_text(impact_who, field="impact_who", required=False),
            impact_how=_clean_text(impact_how, field="impact_how", required=False),
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
        incident = _locked(incident)
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
        incident = _locked(incident)
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
        incident = _locked(incident)
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
        incident = _locked(incident)
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
    resolution = _clean_text(resolution, field="resolution", required=True)
    now = timezone.now()
    with transaction.atomic():
        incident = _locked(incident)
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
    reason = _clean_text(reason, field="reason", required=True)
    with transaction.atomic():
        incident = _locked(incident)
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
    reason = _clean_text(reason, field="reason", required=False)
    with transaction.atomic():
        incident = _locked(incident)
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
        incident = _locked(incident)
        if incident.status not in (Status.ACKNOWLEDGED, Status.IDENTIFIED, Status.MONITORING):
            return incident
        before, owner = incident.status, incident.acknowledged_by
        incident.status = Status.TRIGGERED
        incident.acknowledged_by = incident.acknowledged_at = None
        incident.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        record(
            incident,
            Event.STATUS_CHANGED,
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


def change_severity(*, incident: Incident, severity: Severity, by: User, via: str) -> Incident:
    with transaction.atomic():
        incident = _locked(incident)
        ensure_works_incident(incident, by, action="change its severity")
        if not incident.is_open:
            raise InvalidTransition(
                f"{incident.reference} is {label(incident.status)}; reopen it to change severity",
                field="status",
            )
        before = incident.severity
        if before.pk == severity.pk:
            return incident
        incident.severity = severity
        incident.save(update_fields=["severity", "updated_at"])
        direction = "raised" if severity.rank < before.rank else "lowered"
        record(
            incident,
            Event.SEVERITY_CHANGED,
            actor=by,
            via=via,
            message=f"Severity {direction} from {before} to {severity}",
            data={"from": before.key, "to": severity.key},
        )
    return incident


EDITABLE_DETAILS = ("title", "description", "impact_who", "impact_how")


def update_details(
    *,
    incident: Incident,
    by: User,
    via: str,
    services: Iterable[Service] | None = None,
    **changes: str,
) -> Incident:
    """Edit title, description, impact or services; unchanged fields write nothing."""
    unknown = set(changes) - set(EDITABLE_DETAILS)
    if unknown:
        raise ValidationFailed(
            f"cannot edit {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    with transaction.atomic():
        incident = _locked(incident)
        ensure_works_incident(incident, by, action="edit it")
        changed = []
        for field, value in changes.items():
            if value is None:
                continue
            value = _clean_text(
                value,
                field=field,
                required=field == "title",
                max_length=200 if field == "title" else 10_000,
            )
            if getattr(incident, field) != value:
                setattr(incident, field, value)
                changed.append(field)
        if changed:
            incident.save(update_fields=[*changed, "updated_at"])
        if services is not None:
            services = list(services)
            if {s.pk for s in services} != set(incident.services.values_list("pk", flat=True)):
                incident.services.set(services)
                changed.append("services")
        if changed:
            names = ", ".join(f.replace("_", " ") for f in changed)
            record(
                incident,
                Event.UPDATED,
                actor=by,
                via=via,
                message=f"{by} updated {names}",
                data={"fields": changed},
            )
    return incident


def add_note(*, incident: Incident, by: User, via: str, text: str) -> TimelineEvent:
    text = _clean_text(text, field="text", required=True)
    ensure_can_write(by)
    with transaction.atomic():
        incident = _locked(incident)
        return record(incident, Event.NOTE, actor=by, via=via, message=text)


def assign_role(*, incident: Incident, user: User, role: str, by: User, via: str) -> RoleAssignment:
    """Give `user` a role; a new commander takes over from the previous one (a hand-over)."""
    if role not in Role.values:
        raise ValidationFailed(f"unknown role {role!r}; use one of {Role.values}", field="role")
    with transaction.atomic():
        incident = _locked(incident)
        ensure_can_write(by)
        current_commander = incident.role_assignments.filter(
            role=Role.COMMANDER, ended_at__isnull=True
        ).first()
        taking_free_command = role == Role.COMMANDER and current_commander is None and by == user
        joining_as_responder = role == Role.RESPONDER and by == user
        if taking_free_command or joining_as_responder:
            ensure_works_incident(incident, by, action=f"become {Role(role).label.lower()}")
        else:
            ensure_manages_incident(incident, by, action="assign roles on")
        if not incident.is_open:
            raise InvalidTransition(
                f"{incident.reference} is {label(incident.status)}; roles are closed"
            )
        _ensure_can_hold_role(user)
        existing = incident.role_assignments.filter(user=user, role=role, ended_at__isnull=True)
        if existing.exists():
            return existing.get()
        now = timezone.now()
        if role == Role.COMMANDER and current_commander is not None:
            current_commander.ended_at = now
            current_commander.save(update_fields=["ended_at"])
            message = f"Command handed over from {current_commander.user} to {user}"
        else:
            message = f"{user} is the {Role(role).label.lower()}"
        assignment = RoleAssignment.objects.create(
            incident=incident, user=user, role=role, assigned_at=now
        )
        record(
            incident,
            Event.ROLE_ASSIGNED,
            actor=by,
            via=via,
            message=message,
            data={"role": role, "user": user.pk},
        )
    return assignment


def _ensure_can_hold_role(user: User) -> None:
    if not may_hold_incident_role(user):
        raise ValidationFailed(
            f"{user} cannot hold a role: the account is inactive or read-only", field="user"
        )


def remove_role(*, incident: Incident, user: User, role: str, by: User, via: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(f"unknown role {role!r}; use one of {Role.values}", field="role")
    if role == Role.COMMANDER:
        raise ValidationFailed(
            "an incident always has a commander: assign a new one to hand over", field="role"
        )
    with transaction.atomic():
        incident = _locked(incident)
        if by != user:
            ensure_manages_incident(incident, by, action="remove roles on")
        ensure_can_write(by)
        updated = incident.role_assignments.filter(
            user=user, role=role, ended_at__isnull=True
        ).update(ended_at=timezone.now())
        if not updated:
            raise ValidationFailed(f"{user} is not the {Role(role).label.lower()}", field="role")
        record(
            incident,
            Event.ROLE_REMOVED,
            actor=by,
            via=via,
            message=f"{user} is no longer {Role(role).label.lower()}",
            data={"role": role, "user": user.pk},
        )
