"""Maintenance windows: while one is current, new alerts about its service are suppressed."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from tocsin.errors import NotFound
from tocsin.schemas import ERRORS, Input, ServiceRef, TeamRef, UserOut, refuse_nul

from .. import selectors, services
from ..models import MaintenanceWindow
from .shared import service_by_slug

router = Router()


MaintenanceState = Literal["current", "upcoming", "past"]


class MaintenanceOut(Schema):
    id: int
    service: ServiceRef
    team: TeamRef
    starts_at: datetime
    ends_at: datetime
    reason: str
    state: str = Field(description="current, upcoming, past, or cancelled (deleted unstarted).")
    created_by: UserOut | None
    created_at: datetime

    @staticmethod
    def resolve_team(window: MaintenanceWindow):
        return window.service.team

    @staticmethod
    def resolve_state(window: MaintenanceWindow) -> str:
        if window.cancelled:
            return "cancelled"
        return selectors.maintenance_state(window)


# ---------------------------------------------------------------------------------------------
# What the API accepts


class MaintenanceIn(Input):
    service: str = Field(description="The slug of the service under maintenance.")
    starts_at: datetime = Field(description="ISO 8601 with a time zone: 2026-11-24T22:00+01:00")
    ends_at: datetime = Field(description="ISO 8601 with a time zone.")
    reason: str


class MaintenanceFilters(Schema):
    state: MaintenanceState | None = None
    service: str | None = Field(None, description="A service slug.")

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


# ---------------------------------------------------------------------------------------------
# Lookups of what a request names


def _windows():
    return MaintenanceWindow.objects.select_related("service__team", "created_by")


@router.get("/maintenance", response={200: list[MaintenanceOut], **ERRORS})
def list_maintenance(request, filters: Query[MaintenanceFilters]):
    """Newest first; `state` picks current, upcoming or past windows."""
    if filters.service:
        service_by_slug(filters.service)
    return selectors.maintenance_windows(state=filters.state, service=filters.service)


@router.post("/maintenance", response={201: MaintenanceOut, **ERRORS})
def create_maintenance(request, payload: MaintenanceIn):
    """Members of the service's team: new alerts about it are suppressed during the window."""
    window = services.schedule_maintenance(
        service=service_by_slug(payload.service),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
        by=request.user,
    )
    return Status(201, _windows().get(pk=window.pk))


@router.post("/maintenance/{int:window_id}/end", response={200: MaintenanceOut, **ERRORS})
def end_maintenance(request, window_id: int):
    """End a running window now; an upcoming one is cancelled (deleted)."""
    window = _windows().filter(pk=window_id).first()
    if window is None:
        raise NotFound(f"no maintenance window {window_id}")
    window = services.end_maintenance(window=window, by=request.user)
    if window.cancelled:
        window.pk = window_id  # deleted, and still answered with its id
    return window
