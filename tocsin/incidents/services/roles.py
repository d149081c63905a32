"""Who holds which role on an incident: one commander, responders, communications, scribe."""

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.accounts.permissions import (
    ensure_can_write,
    ensure_manages_incident,
    ensure_works_incident,
    may_hold_incident_role,
)
from tocsin.errors import InvalidTransition, ValidationFailed

from ..models import (
    Event,
    Incident,
    Role,
    RoleAssignment,
)
from .timeline import label, locked, record


def assign_role(*, incident: Incident, user: User, role: str, by: User, via: str) -> RoleAssignment:
    """Give `user` a role; a new commander takes over from the previous one (a hand-over)."""
    if role not in Role.values:
        raise ValidationFailed(f"unknown role {role!r}; use one of {Role.values}", field="role")
    with transaction.atomic():
        incident = locked(incident)
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
        ensure_can_hold_role(user)
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


def ensure_can_hold_role(user: User) -> None:
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
        incident = locked(incident)
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
