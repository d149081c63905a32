"""Change events (deploys, configuration pushes) as PagerDuty clients send them to
`/v2/change/enqueue`, newest first (read only)."""

from datetime import datetime
from typing import Any

from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from tocsin.schemas import ERRORS, ServiceRef, refuse_nul

from ..changes import recent_changes
from .shared import IntegrationRef, service_by_slug

router = Router()

MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000


class ChangeOut(Schema):
    id: int
    integration: IntegrationRef
    service: ServiceRef | None
    summary: str
    source: str
    occurred_at: datetime = Field(description="When the sender says it happened.")
    received_at: datetime
    links: list[Any]
    details: dict[str, Any]


class ChangePage(Schema):
    count: int
    items: list[ChangeOut]


class ChangeFilters(Schema):
    service: str | None = Field(None, description="A service slug.")
    since: datetime | None = Field(None, description="Only changes that happened from then on.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


@router.get("/changes", response={200: ChangePage, **ERRORS})
def list_changes(request, filters: Query[ChangeFilters]):
    """Newest first: what changed, on which service, before an incident began."""
    changes = recent_changes(service=service_by_slug(filters.service), since=filters.since)
    page = changes[filters.offset : filters.offset + filters.limit]
    return {"count": changes.count(), "items": list(page)}
