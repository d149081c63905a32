"""REST endpoints for incidents, their timeline and the catalog (severities, services).

Handlers parse, look up, call one service in `services.py` and serialize; who may do what and
which transitions are legal is decided there, never here.
"""

from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from tocsin.accounts.api import team_by_slug, user_by_reference
from tocsin.accounts.models import User
from tocsin.errors import NotFound, ValidationFailed
from tocsin.schemas import ERRORS, Input, TeamRef, UserOut, UserRef, refuse_nul

from . import services
from .models import (
    Channel,
    Event,
    Incident,
    Role,
    RoleAssignment,
    Service,
    Severity,
    Source,
)
from .models import Status as IncidentStatus
from .selectors import incident_by_reference, incidents_matching


def _channel(request) -> str:
    """`cli` when the tocsin command line says so; every other client is `api`."""
    return Channel.CLI if request.headers.get("X-Tocsin-Channel") == "cli" else Channel.API


router = Router(tags=["incidents"])

MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000  # beyond any real list, and within every database's integers

# ---------------------------------------------------------------------------------------------
# What the API answers with


class SeverityRef(Schema):
    key: str
    name: str
    color: str
    rank: int


class SeverityOut(Schema):
    key: str
    name: str
    rank: int
    description: str
    color: str
    pages_oncall: bool
    requires_postmortem: bool


class ServiceRef(Schema):
    slug: str
    name: str


class ServiceOut(ServiceRef):
    description: str
    team: TeamRef


class RoleOut(Schema):
    role: str
    user: UserOut
    assigned_at: datetime


def _seconds(duration: timedelta | None) -> int | None:
    return None if duration is None else int(duration.total_seconds())


def _active_roles(incident: Incident) -> list[RoleAssignment]:
    # Lists prefetch them (see `_with_roles`); a single incident asks the database.
    roles = getattr(incident, "active_roles", None)
    if roles is None:
        roles = list(incident.role_assignments.filter(ended_at__isnull=True).select_related("user"))
    return roles


class IncidentOut(Schema):
    id: int
    reference: str
    title: str
    description: str
    severity: SeverityRef
    status: str
    status_label: str
    team: TeamRef
    services: list[ServiceRef]
    source: str
    drill: bool
    reported_by: UserOut | None
    reported_at: datetime
    acknowledged_by: UserOut | None
    acknowledged_at: datetime | None
    identified_at: datetime | None
    monitoring_at: datetime | None
    resolved_by: UserOut | None
    resolved_at: datetime | None
    resolution: str
    cancelled_at: datetime | None
    cancel_reason: str
    impact_who: str
    impact_how: str
    time_to_acknowledge_seconds: int | None
    time_to_resolve_seconds: int | None
    commander: UserOut | None
    roles: list[RoleOut] = Field(description="The roles held now; ended ones are in the timeline.")
    url: str

    @staticmethod
    def resolve_status_label(incident: Incident) -> str:
        return incident.get_status_display()

    @staticmethod
    def resolve_time_to_acknowledge_seconds(incident: Incident) -> int | None:
        return _seconds(incident.time_to_acknowledge)

    @staticmethod
    def resolve_time_to_resolve_seconds(incident: Incident) -> int | None:
        return _seconds(incident.time_to_resolve)

    @staticmethod
    def resolve_roles(incident: Incident) -> list[RoleAssignment]:
        return _active_roles(incident)

    @staticmethod
    def resolve_commander(incident: Incident) -> User | None:
        return next((r.user for r in _active_roles(incident) if r.role == Role.COMMANDER), None)

    @staticmethod
    def resolve_url(incident: Incident) -> str:
        return f"{settings.BASE_URL}/incidents/{incident.pk}/"


class IncidentPage(Schema):
    count: int
    items: list[IncidentOut]


TimelineKind = Literal[tuple(Event.values)]


class TimelineEventOut(Schema):
    id: int
    at: datetime
    kind: TimelineKind = Field(
        description="What happened. `escalation` and `retriggered` are written by the "
        'escalation engine (actor null, actor_name "Escalation"); `note` is always a person\'s.'
    )
    actor: UserOut | None = Field(description="The person who acted; null for Tocsin itself.")
    actor_name: str
    via: str
    message: str
    data: dict[str, Any]


# ---------------------------------------------------------------------------------------------
# What the API accepts

StatusFilter = Literal[("open", "closed", *IncidentStatus.values)]


class IncidentFilters(Schema):
    status: StatusFilter | None = Field(None, description='A status, or "open" / "closed".')
    severity: str | None = Field(None, description="A severity key, e.g. P1.")
    team: str | None = Field(None, description="A team slug.")
    service: str | None = Field(None, description="A service slug.")
    drill: bool | None = None
    q: str | None = Field(None, description="Searches reference, title, description, resolution.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


class DeclareIn(Input):
    title: str
    severity: str = Field(description="A severity key, e.g. P1.")
    team: str = Field(description="The slug of the team that owns the incident.")
    description: str = ""
    services: list[str] = Field(default_factory=list, description="Service slugs.")
    drill: bool = False
    impact_who: str = ""
    impact_how: str = ""
    commander: UserRef | None = Field(None, description="E-mail or id; defaults to you.")


class IncidentPatch(Input):
    title: str | None = None
    description: str | None = None
    impact_who: str | None = None
    impact_how: str | None = None
    services: list[str] | None = Field(None, description="Service slugs; replaces the list.")
    severity: str | None = Field(None, description="A severity key, e.g. P2.")
    status: str | None = Field(None, description='"identified" or "monitoring".')

    @field_validator("*", mode="before")
    @classmethod
    def not_null(cls, value):
        # Leaving a field out means "unchanged"; null would be ambiguous, so it is refused.
        if value is None:
            raise ValueError("leave the field out to keep it; null is not a value")
        return value


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


class NoteIn(Input):
    text: str


class RoleIn(Input):
    user: UserRef
    role: Role


# ---------------------------------------------------------------------------------------------
# Lookups of what a request names


def _incident(ref: str) -> Incident:
    incident = incident_by_reference(ref)
    if incident is None:
        raise NotFound(f"no incident {ref!r}")
    return incident


def _with_roles(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    active = RoleAssignment.objects.filter(ended_at__isnull=True).select_related("user")
    return incidents.prefetch_related(
        Prefetch("role_assignments", queryset=active, to_attr="active_roles")
    )


def _detail(incident: Incident) -> Incident:
    """The incident as it is now in the database, with everything its JSON shows."""
    incidents = Incident.objects.select_related(
        "severity", "team", "reported_by", "acknowledged_by", "resolved_by"
    ).prefetch_related("services")
    return _with_roles(incidents).get(pk=incident.pk)


def severity_by_key(key: str | None, *, field: str = "severity") -> Severity | None:
    """The severity a request names by key (any case), None for none; unknown is 422."""
    if key is None:
        return None
    severity = Severity.objects.filter(key__iexact=key.strip()).first()
    if severity is None:
        keys = ", ".join(Severity.objects.order_by("rank").values_list("key", flat=True))
        raise ValidationFailed(f"unknown severity {key!r}; use one of {keys}", field=field)
    return severity


def _services(slugs: list[str], *, field: str = "services") -> list[Service]:
    found = {service.slug: service for service in Service.objects.filter(slug__in=slugs)}
    for slug in slugs:
        if slug not in found:
            raise ValidationFailed(f"unknown service {slug!r}", field=field)
    return [found[slug] for slug in dict.fromkeys(slugs)]


def _user(reference: UserRef | None, *, field: str) -> User | None:
    return None if reference is None else user_by_reference(reference, field=field)


def _user_by_id(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def _check_filters(filters: IncidentFilters) -> None:
    """A filter naming something that does not exist is a mistake, not an empty result."""
    if filters.severity:
        severity_by_key(filters.severity)
    if filters.team:
        team_by_slug(filters.team, field="team")
    if filters.service:
        _services([filters.service], field="service")


# ---------------------------------------------------------------------------------------------
# Incidents


@router.get("/incidents", response={200: IncidentPage, **ERRORS})
def list_incidents(request, filters: Query[IncidentFilters]):
    """Open incidents first, then by severity, newest first."""
    _check_filters(filters)
    incidents = incidents_matching(
        status=filters.status,
        severity=filters.severity,
        team=filters.team,
        service=filters.service,
        drill=filters.drill,
        q=filters.q,
    )
    page = _with_roles(incidents)[filters.offset : filters.offset + filters.limit]
    return {"count": incidents.count(), "items": list(page)}


@router.post("/incidents", response={201: IncidentOut, **ERRORS})
def declare_incident(request, payload: DeclareIn):
    incident = services.declare(
        title=payload.title,
        severity=severity_by_key(payload.severity),
        team=team_by_slug(payload.team, field="team"),
        by=request.user,
        via=_channel(request),
        description=payload.description,
        services=_services(payload.services),
        source=Source.API,
        drill=payload.drill,
        impact_who=payload.impact_who,
        impact_how=payload.impact_how,
        commander=_user(payload.commander, field="commander"),
    )
    return Status(201, _detail(incident))


@router.get("/incidents/{ref}", response={200: IncidentOut, **ERRORS})
def get_incident(request, ref: str):
    """`ref` is a reference such as INC-42, or its number."""
    return _detail(_incident(ref))


@router.patch("/incidents/{ref}", response={200: IncidentOut, **ERRORS})
def update_incident(request, ref: str, payload: IncidentPatch):
    """Change any of the given fields; if one change is refused, none is made."""
    incident = _incident(ref)
    details = payload.model_dump(exclude_unset=True)
    severity = severity_by_key(details.pop("severity")) if "severity" in details else None
    status = details.pop("status", None)
    service_list = _services(details.pop("services")) if "services" in details else None
    with transaction.atomic():
        if details or service_list is not None:
            incident = services.update_details(
                incident=incident,
                by=request.user,
                via=_channel(request),
                services=service_list,
                **details,
            )
        if severity is not None:
            incident = services.change_severity(
                incident=incident, severity=severity, by=request.user, via=_channel(request)
            )
        if status is not None:
            incident = services.set_status(
                incident=incident, status=status, by=request.user, via=_channel(request)
            )
    return _detail(incident)


@router.post("/incidents/{ref}/acknowledge", response={200: IncidentOut, **ERRORS})
def acknowledge_incident(request, ref: str):
    """Take ownership: only members of the incident's team can acknowledge."""
    incident = services.acknowledge(incident=_incident(ref), by=request.user, via=_channel(request))
    return _detail(incident)


@router.post("/incidents/{ref}/assign", response={200: IncidentOut, **ERRORS})
def assign_incident(request, ref: str, payload: AssignIn):
    """Make a team member the owner (the commander, a team lead or an admin)."""
    incident = services.assign(
        incident=_incident(ref),
        to=user_by_reference(payload.user, field="user"),
        by=request.user,
        via=_channel(request),
    )
    return _detail(incident)


@router.post("/incidents/{ref}/resolve", response={200: IncidentOut, **ERRORS})
def resolve_incident(request, ref: str, payload: ResolveIn):
    incident = services.resolve(
        incident=_incident(ref),
        by=request.user,
        via=_channel(request),
        resolution=payload.resolution,
        resolved_by=_user(payload.resolved_by, field="resolved_by"),
        resolved_at=payload.resolved_at,
    )
    return _detail(incident)


@router.post("/incidents/{ref}/reopen", response={200: IncidentOut, **ERRORS})
def reopen_incident(request, ref: str, payload: ReopenIn | None = None):
    incident = services.reopen(
        incident=_incident(ref),
        by=request.user,
        via=_channel(request),
        reason=payload.reason if payload else "",
    )
    return _detail(incident)


@router.post("/incidents/{ref}/cancel", response={200: IncidentOut, **ERRORS})
def cancel_incident(request, ref: str, payload: CancelIn):
    """Close an incident that should not have been one (false alarm, duplicate)."""
    incident = services.cancel(
        incident=_incident(ref), by=request.user, via=_channel(request), reason=payload.reason
    )
    return _detail(incident)


@router.post("/incidents/{ref}/notes", response={201: TimelineEventOut, **ERRORS})
def add_note(request, ref: str, payload: NoteIn):
    event = services.add_note(
        incident=_incident(ref), by=request.user, via=_channel(request), text=payload.text
    )
    return Status(201, event)


@router.post("/incidents/{ref}/roles", response={200: IncidentOut, **ERRORS})
def assign_role(request, ref: str, payload: RoleIn):
    """Give someone a role; a new commander takes over from the previous one."""
    incident = _incident(ref)
    services.assign_role(
        incident=incident,
        user=user_by_reference(payload.user, field="user"),
        role=payload.role,
        by=request.user,
        via=_channel(request),
    )
    return _detail(incident)


@router.delete("/incidents/{ref}/roles/{role}/{user_id}", response={200: IncidentOut, **ERRORS})
def remove_role(request, ref: str, role: Role, user_id: int):
    incident = _incident(ref)
    services.remove_role(
        incident=incident,
        user=_user_by_id(user_id),
        role=role,
        by=request.user,
        via=_channel(request),
    )
    return _detail(incident)


@router.get("/incidents/{ref}/timeline", response={200: list[TimelineEventOut], **ERRORS})
def timeline(request, ref: str):
    """Everything that happened, oldest first."""
    return _incident(ref).timeline.select_related("actor").order_by("at", "id")


# ---------------------------------------------------------------------------------------------
# Catalog


@router.get("/severities", response={200: list[SeverityOut], **ERRORS}, tags=["catalog"])
def list_severities(request):
    """The severity ladder, most severe first."""
    return Severity.objects.order_by("rank")


@router.get("/services", response={200: list[ServiceOut], **ERRORS}, tags=["catalog"])
def list_services(request):
    return Service.objects.select_related("team").order_by("name")
