"""What people do to an incident: acknowledge, assign, resolve, reopen, cancel, hand out roles.

Each answers with the incident as it is afterwards.
"""

from datetime import datetime

from ninja import Field, Router

from tocsin.accounts.api import user_by_reference
from tocsin.schemas import ERRORS, Input, UserRef

from .. import services
from ..models import Role
from .schemas import IncidentOut, detail
from .shared import channel, incident_named, user_by_id, user_or_none

router = Router()


class AssignIn(Input):
    user: UserRef = Field(description="E-mail or id of the team member who will own it.")


class ResolveIn(Input):
    resolution: str
    resolved_by: UserRef | None = Field(None, description="Defaults to the owner.")
    resolved_at: datetime | None = Field(None, description="ISO 8601 with a time zone.")


class ReopenIn(Input):
    reason: str = ""


class CancelIn(Input):
    reason: str


class RoleIn(Input):
    user: UserRef
    role: Role


@router.post("/incidents/{ref}/acknowledge", response={200: IncidentOut, **ERRORS})
def acknowledge_incident(request, ref: str):
    """Take ownership: only members of the incident's team can acknowledge."""
    incident = services.acknowledge(
        incident=incident_named(ref), by=request.user, via=channel(request)
    )
    return detail(incident)


@router.post("/incidents/{ref}/assign", response={200: IncidentOut, **ERRORS})
def assign_incident(request, ref: str, payload: AssignIn):
    """Make a team member the owner (the commander, a team lead or an admin)."""
    incident = services.assign(
        incident=incident_named(ref),
        to=user_by_reference(payload.user, field="user"),
        by=request.user,
        via=channel(request),
    )
    return detail(incident)


@router.post("/incidents/{ref}/resolve", response={200: IncidentOut, **ERRORS})
def resolve_incident(request, ref: str, payload: ResolveIn):
    incident = services.resolve(
        incident=incident_named(ref),
        by=request.user,
        via=channel(request),
        resolution=payload.resolution,
        resolved_by=user_or_none(payload.resolved_by, field="resolved_by"),
        resolved_at=payload.resolved_at,
    )
    return detail(incident)


@router.post("/incidents/{ref}/reopen", response={200: IncidentOut, **ERRORS})
def reopen_incident(request, ref: str, payload: ReopenIn | None = None):
    incident = services.reopen(
        incident=incident_named(ref),
        by=request.user,
        via=channel(request),
        reason=payload.reason if payload else "",
    )
    return detail(incident)


@router.post("/incidents/{ref}/cancel", response={200: IncidentOut, **ERRORS})
def cancel_incident(request, ref: str, payload: CancelIn):
    """Close an incident that should not have been one (false alarm, duplicate)."""
    incident = services.cancel(
        incident=incident_named(ref), by=request.user, via=channel(request), reason=payload.reason
    )
    return detail(incident)


@router.post("/incidents/{ref}/roles", response={200: IncidentOut, **ERRORS})
def assign_role(request, ref: str, payload: RoleIn):
    """Give someone a role; a new commander takes over from the previous one."""
    incident = incident_named(ref)
    services.assign_role(
        incident=incident,
        user=user_by_reference(payload.user, field="user"),
        role=payload.role,
        by=request.user,
        via=channel(request),
    )
    return detail(incident)


@router.delete("/incidents/{ref}/roles/{role}/{user_id}", response={200: IncidentOut, **ERRORS})
def remove_role(request, ref: str, role: Role, user_id: int):
    incident = incident_named(ref)
    services.remove_role(
        incident=incident,
        user=user_by_id(user_id),
        role=role,
        by=request.user,
        via=channel(request),
    )
    return detail(incident)
