"""Public incidents: publish (from an incident or on their own), list, read, rename, post
updates, resolve, publish a draft, remove."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, field_validator

from tocsin.errors import ValidationFailed
from tocsin.incidents.api.shared import channel, incident_named
from tocsin.schemas import ERRORS, Input, Patch, refuse_nul

from .. import services
from ..models import IncidentStatus, PublicIncident
from ..selectors import public_incidents
from .schemas import PublicIncidentOut, UpdateOut
from .shared import component_statuses, page_named, public_incident_by_code

router = Router()

ComponentStatuses = Field(
    None,
    description='{component code: status}, e.g. {"tsmq0yzx2nqc": "partial_outage"}.',
)


class IncidentFilters(Schema):
    page: str | None = Field(None, description="A page's slug; default: the default page.")
    status: str | None = Field(None, description='A status, or "unresolved".')
    incident: str | None = Field(None, description="Only what this incident was published as.")

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


class PublishIn(Input):
    page: str | None = Field(None, description="A page's slug; default: the default page.")
    incident: str | None = Field(None, description="INC-12; none: a standalone public incident.")
    name: str
    status: str = IncidentStatus.INVESTIGATING
    body: str = Field(description="The first update, Markdown.")
    component_statuses: dict[str, str] | None = ComponentStatuses
    display_at: datetime | None = Field(None, description="Backdate it; not in the future.")
    impact_override: str = ""
    draft: StrictBool = False
    notify: StrictBool = Field(True, description="Tell subscribers.")


class PublicIncidentPatch(Patch):
    name: str = None
    impact_override: str = Field(None, description='none/minor/major/critical; "": derived.')


class UpdateIn(Input):
    status: str
    body: str
    component_statuses: dict[str, str] | None = ComponentStatuses
    display_at: datetime | None = None
    notify: StrictBool = True


class ResolveIn(Input):
    body: str = Field(description="The last update.")
    restore_components: StrictBool = Field(
        True,
        description="Set its components back to operational (unless something else holds them).",
    )
    display_at: datetime | None = None
    notify: StrictBool = True


def _fresh(public: PublicIncident) -> PublicIncident:
    return PublicIncident.objects.select_related("page", "incident").get(pk=public.pk)


@router.get("/status/incidents", response={200: list[PublicIncidentOut], **ERRORS})
def list_public_incidents(request, filters: Query[IncidentFilters]):
    """Newest first, drafts included."""
    incidents = public_incidents(page_named(filters.page), request.user).select_related(
        "page", "incident"
    )
    if filters.status == "unresolved":
        incidents = incidents.exclude(status=IncidentStatus.RESOLVED)
    elif filters.status:
        if filters.status not in IncidentStatus.values:
            raise ValidationFailed(f"unknown status {filters.status!r}", field="status")
        incidents = incidents.filter(status=filters.status)
    if filters.incident:
        incidents = incidents.filter(incident=incident_named(filters.incident))
    return list(incidents[:200])


@router.post("/status/incidents", response={201: PublicIncidentOut, **ERRORS})
def publish(request, payload: PublishIn):
    """Publishing an incident a second time on the same page is a 409 naming the first."""
    page = page_named(payload.page)
    public = services.publish(
        page=page,
        by=request.user,
        name=payload.name,
        status=payload.status,
        body=payload.body,
        component_statuses=component_statuses(page, payload.component_statuses),
        incident=incident_named(payload.incident) if payload.incident else None,
        display_at=payload.display_at,
        impact_override=payload.impact_override,
        draft=payload.draft,
        notify=payload.notify,
        via=channel(request),
    )
    return Status(201, _fresh(public))


@router.get("/status/incidents/{code}", response={200: PublicIncidentOut, **ERRORS})
def get_public_incident(request, code: str):
    return _fresh(public_incident_by_code(code))


@router.patch("/status/incidents/{code}", response={200: PublicIncidentOut, **ERRORS})
def update_public_incident(request, code: str, payload: PublicIncidentPatch):
    public = services.update_public_incident(
        public_incident=public_incident_by_code(code),
        by=request.user,
        **payload.model_dump(exclude_unset=True),
    )
    return _fresh(public)


@router.delete("/status/incidents/{code}", response={204: None, **ERRORS})
def delete_public_incident(request, code: str):
    services.delete_public_incident(
        public_incident=public_incident_by_code(code), by=request.user, via=channel(request)
    )
    return Status(204, None)


@router.post("/status/incidents/{code}/updates", response={201: UpdateOut, **ERRORS})
def post_update(request, code: str, payload: UpdateIn):
    public = public_incident_by_code(code)
    update = services.post_update(
        public_incident=public,
        by=request.user,
        status=payload.status,
        body=payload.body,
        component_statuses=component_statuses(public.page, payload.component_statuses),
        display_at=payload.display_at,
        notify=payload.notify,
        via=channel(request),
    )
    return Status(201, update)


@router.post("/status/incidents/{code}/resolve", response={200: PublicIncidentOut, **ERRORS})
def resolve_public_incident(request, code: str, payload: ResolveIn):
    public = public_incident_by_code(code)
    services.resolve_public_incident(
        public_incident=public,
        by=request.user,
        body=payload.body,
        restore_components=payload.restore_components,
        display_at=payload.display_at,
        notify=payload.notify,
        via=channel(request),
    )
    return _fresh(public)


@router.post("/status/incidents/{code}/publish", response={200: PublicIncidentOut, **ERRORS})
def publish_draft(request, code: str):
    """A draft goes public: its component statuses are set, subscribers are told."""
    public = services.publish_draft(
        public_incident=public_incident_by_code(code), by=request.user, via=channel(request)
    )
    return _fresh(public)
