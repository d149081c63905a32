"""Incidents themselves: list and search them, declare one, read one, change its details."""

from typing import Literal

from django.db import transaction
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from tocsin.accounts.api import team_by_slug
from tocsin.errors import ValidationFailed
from tocsin.schemas import ERRORS, Input, Patch, UserRef, refuse_nul

from .. import services
from ..models import Source
from ..models import Status as IncidentStatus
from ..selectors import (
    COUNT_CAP,
    incidents_matching,
    list_page,
    parse_cursor,
    with_related,
)
from .schemas import IncidentOut, detail, with_roles
from .shared import channel, incident_named, services_by_slug, severity_by_key, user_or_none

router = Router()

MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000  # beyond any real list, and within every database's integers

StatusFilter = Literal[("open", "closed", *IncidentStatus.values)]


class IncidentPage(Schema):
    count: int = Field(
        description=f"How many incidents match, counted up to {COUNT_CAP:,}; "
        f"{COUNT_CAP:,} when there are more (then `count_is_exact` is false)."
    )
    count_is_exact: bool = Field(
        description=f"False when more than {COUNT_CAP:,} incidents match and `count` is "
        "where counting stopped."
    )
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the page after this one; null on the last page."
    )
    items: list[IncidentOut]


class IncidentFilters(Schema):
    status: StatusFilter | None = Field(None, description='A status, or "open" / "closed".')
    severity: str | None = Field(None, description="A severity key, e.g. P1.")
    team: str | None = Field(None, description="A team slug.")
    service: str | None = Field(None, description="A service slug.")
    drill: bool | None = None
    q: str | None = Field(None, description="Searches reference, title, description, resolution.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    cursor: str | None = Field(
        None,
        max_length=100,
        description="A previous answer's `next_cursor`: the page after that one, "
        "instead of `offset`.",
    )

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


class IncidentPatch(Patch):
    title: str = None
    description: str = None
    impact_who: str = None
    impact_how: str = None
    services: list[str] = Field(None, description="Service slugs; replaces the list.")
    severity: str = Field(None, description="A severity key, e.g. P2.")
    status: str = Field(None, description='"identified" or "monitoring".')


def _check_filters(filters: IncidentFilters) -> None:
    """A filter naming something that does not exist is a mistake, not an empty result."""
    if filters.severity:
        severity_by_key(filters.severity)
    if filters.team:
        team_by_slug(filters.team, field="team")
    if filters.service:
        services_by_slug([filters.service], field="service")


@router.get("/incidents", response={200: IncidentPage, **ERRORS})
def list_incidents(request, filters: Query[IncidentFilters]):
    """Open incidents first, then by severity, newest first."""
    _check_filters(filters)
    after = None
    if filters.cursor is not None:
        if filters.offset:
            raise ValidationFailed("give either offset or cursor, not both", field="cursor")
        after = parse_cursor(filters.cursor)
        if after is None:
            raise ValidationFailed(
                "not a cursor this list gave out; use a next_cursor as it is", field="cursor"
            )
    incidents = incidents_matching(
        status=filters.status,
        severity=filters.severity,
        team=filters.team,
        service=filters.service,
        drill=filters.drill,
        q=filters.q,
    )
    page = list_page(
        incidents,
        order="open_first",
        limit=filters.limit,
        offset=filters.offset,
        after=after,
        search=bool(filters.q),
        load=lambda found: with_roles(with_related(found)),
    )
    return {
        "count": page.count,
        "count_is_exact": page.count_is_exact,
        "next_cursor": page.next_cursor,
        "items": page.items,
    }


@router.post("/incidents", response={201: IncidentOut, **ERRORS})
def declare_incident(request, payload: DeclareIn):
    incident = services.declare(
        title=payload.title,
        severity=severity_by_key(payload.severity),
        team=team_by_slug(payload.team, field="team"),
        by=request.user,
        via=channel(request),
        description=payload.description,
        services=services_by_slug(payload.services),
        source=Source.API,
        drill=payload.drill,
        impact_who=payload.impact_who,
        impact_how=payload.impact_how,
        commander=user_or_none(payload.commander, field="commander"),
    )
    return Status(201, detail(incident))


@router.get("/incidents/{ref}", response={200: IncidentOut, **ERRORS})
def get_incident(request, ref: str):
    """`ref` is a reference such as INC-42, or its number."""
    return detail(incident_named(ref))


@router.patch("/incidents/{ref}", response={200: IncidentOut, **ERRORS})
def update_incident(request, ref: str, payload: IncidentPatch):
    """Change any of the given fields; if one change is refused, none is made."""
    incident = incident_named(ref)
    details = payload.model_dump(exclude_unset=True)
    severity = severity_by_key(details.pop("severity")) if "severity" in details else None
    status = details.pop("status", None)
    service_list = services_by_slug(details.pop("services")) if "services" in details else None
    via = channel(request)
    with transaction.atomic():
        if details or service_list is not None:
            incident = services.update_details(
                incident=incident, by=request.user, via=via, services=service_list, **details
            )
        if severity is not None:
            incident = services.change_severity(
                incident=incident, severity=severity, by=request.user, via=via
            )
        if status is not None:
            incident = services.set_status(
                incident=incident, status=status, by=request.user, via=via
            )
    return detail(incident)
