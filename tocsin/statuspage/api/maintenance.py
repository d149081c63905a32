"""Scheduled maintenances: list, schedule, read, change, post updates, complete, cancel."""

from datetime import datetime, timedelta

from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt, field_validator

from tocsin.schemas import ERRORS, Input, Patch, refuse_nul

from .. import services
from ..models import Maintenance
from .schemas import MaintenanceUpdateOut, PublicMaintenanceOut
from .shared import components_in, maintenance_by_code, page_named

router = Router()


class PageFilter(Schema):
    page: str | None = Field(None, description="A page's slug; default: the default page.")

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


class MaintenanceIn(Input):
    page: str | None = Field(None, description="A page's slug; default: the default page.")
    name: str
    scheduled_for: datetime = Field(description="ISO 8601 with a time zone.")
    scheduled_until: datetime = Field(description="ISO 8601 with a time zone.")
    components: list[str] = Field(description="Component codes.")
    body: str = Field("", description="What subscribers are told now, Markdown.")
    remind_before_minutes: StrictInt | None = Field(
        None, ge=1, le=20160, description="Remind subscribers this many minutes before it starts."
    )


class MaintenancePatch(Patch):
    name: str = None
    scheduled_for: datetime = None
    scheduled_until: datetime = None
    components: list[str] = None
    remind_before_minutes: StrictInt | None = Field(None, ge=1, le=20160)
    body: str = Field(None, description="Posted as an update saying what changed.")


class MaintenanceUpdateIn(Input):
    body: str
    verifying: StrictBool | None = Field(None, description="true: the work is being checked.")


class FinishIn(Input):
    body: str = ""


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


def _fresh(maintenance: Maintenance) -> Maintenance:
    return Maintenance.objects.select_related("page").get(pk=maintenance.pk)


@router.get("/status/maintenances", response={200: list[PublicMaintenanceOut], **ERRORS})
def list_maintenances(request, filters: Query[PageFilter]):
    """Latest start first."""
    page = page_named(filters.page)
    return list(Maintenance.objects.filter(page=page).select_related("page")[:200])


@router.post("/status/maintenances", response={201: PublicMaintenanceOut, **ERRORS})
def schedule_maintenance(request, payload: MaintenanceIn):
    """Also makes one alerting maintenance window per service of its components."""
    page = page_named(payload.page)
    maintenance = services.schedule(
        page=page,
        by=request.user,
        name=payload.name,
        scheduled_for=payload.scheduled_for,
        scheduled_until=payload.scheduled_until,
        components=components_in(page, payload.components),
        body=payload.body,
        remind_before=_minutes(payload.remind_before_minutes),
    )
    return Status(201, _fresh(maintenance))


@router.get("/status/maintenances/{code}", response={200: PublicMaintenanceOut, **ERRORS})
def get_maintenance(request, code: str):
    return _fresh(maintenance_by_code(code))


@router.patch("/status/maintenances/{code}", response={200: PublicMaintenanceOut, **ERRORS})
def update_maintenance(request, code: str, payload: MaintenancePatch):
    maintenance = maintenance_by_code(code)
    fields = payload.model_dump(exclude_unset=True)
    if "components" in fields:
        fields["components"] = components_in(maintenance.page, fields["components"])
    if "remind_before_minutes" in fields:
        fields["remind_before"] = _minutes(fields.pop("remind_before_minutes"))
    maintenance = services.update_maintenance(maintenance=maintenance, by=request.user, **fields)
    return _fresh(maintenance)


@router.post("/status/maintenances/{code}/updates", response={201: MaintenanceUpdateOut, **ERRORS})
def post_maintenance_update(request, code: str, payload: MaintenanceUpdateIn):
    update = services.post_maintenance_update(
        maintenance=maintenance_by_code(code),
        by=request.user,
        body=payload.body,
        verifying=payload.verifying,
    )
    return Status(201, update)


@router.post("/status/maintenances/{code}/complete", response={200: PublicMaintenanceOut, **ERRORS})
def complete_maintenance(request, code: str, payload: FinishIn):
    """Done early: its windows end now, its components come back."""
    maintenance = services.complete_early(
        maintenance=maintenance_by_code(code), by=request.user, body=payload.body
    )
    return _fresh(maintenance)


@router.post("/status/maintenances/{code}/cancel", response={200: PublicMaintenanceOut, **ERRORS})
def cancel_maintenance(request, code: str, payload: FinishIn):
    """Before it begins: its windows are removed."""
    maintenance = services.cancel_maintenance(
        maintenance=maintenance_by_code(code), by=request.user, body=payload.body
    )
    return _fresh(maintenance)
