"""What the incident endpoints answer with: an incident as its JSON shows it, and the query
that loads everything that JSON needs."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from ninja import Field, Schema

from tocsin.accounts.models import User
from tocsin.schemas import ServiceRef, TeamRef, UserOut

from ..models import Incident, Role, RoleAssignment


class SeverityRef(Schema):
    key: str
    name: str
    color: str
    rank: int


class RoleOut(Schema):
    role: str
    user: UserOut
    assigned_at: datetime


def _seconds(duration: timedelta | None) -> int | None:
    return None if duration is None else int(duration.total_seconds())


def _active_roles(incident: Incident) -> list[RoleAssignment]:
    # Lists prefetch them (see `with_roles`); a single incident asks the database.
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


def with_roles(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    active = RoleAssignment.objects.filter(ended_at__isnull=True).select_related("user")
    return incidents.prefetch_related(
        Prefetch("role_assignments", queryset=active, to_attr="active_roles")
    )


def detail(incident: Incident) -> Incident:
    """The incident as it is now in the database, with everything its JSON shows."""
    incidents = Incident.objects.select_related(
        "severity", "team", "reported_by", "acknowledged_by", "resolved_by"
    ).prefetch_related("services")
    return with_roles(incidents).get(pk=incident.pk)
