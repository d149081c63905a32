"""Alerts, with every signal received and each decision taken about it (read only)."""

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from tocsin.accounts.api import team_by_slug
from tocsin.errors import NotFound
from tocsin.schemas import ERRORS, ServiceRef, TeamRef, refuse_nul

from .. import selectors
from ..models import Alert, MaintenanceWindow
from .shared import IntegrationRef, SeverityRef, integration_by_id, service_by_slug

router = Router()

MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000


class RuleRef(Schema):
    id: int
    position: int
    name: str


class IncidentRef(Schema):
    reference: str
    title: str
    status: str


class MaintenanceRef(Schema):
    id: int
    service: ServiceRef
    reason: str
    starts_at: datetime
    ends_at: datetime


class AlertOut(Schema):
    id: int
    integration: IntegrationRef
    fingerprint: str
    status: str
    summary: str
    description: str
    source: str
    source_severity: str
    labels: dict[str, Any]
    annotations: dict[str, Any]
    links: list[Any]
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    team: TeamRef
    service: ServiceRef | None
    severity: SeverityRef
    runbook_url: str
    rule: RuleRef | None = Field(description="The routing rule that matched, if one did.")
    grouping_key: str
    incident: IncidentRef | None
    suppressed: bool
    suppressed_reason: str
    maintenance: MaintenanceRef | None = Field(
        description="The maintenance window that suppressed the alert, if one did."
    )
    url: str

    @staticmethod
    def resolve_suppressed(alert: Alert) -> bool:
        return alert.is_suppressed

    @staticmethod
    def resolve_maintenance(alert: Alert) -> MaintenanceWindow | None:
        return alert.suppressed_by

    @staticmethod
    def resolve_url(alert: Alert) -> str:
        return f"{settings.BASE_URL}/alerts/{alert.pk}/"


class AlertEventOut(Schema):
    id: int
    received_at: datetime
    action: str
    decisions: list[str] = Field(description="What Tocsin decided about this signal, and why.")
    payload: Any = Field(description="The alert's part of the request, as received.")


class AlertDetailOut(AlertOut):
    events: list[AlertEventOut] = Field(description="Every signal received, oldest first.")

    @staticmethod
    def resolve_events(alert: Alert) -> list:
        return sorted(alert.events.all(), key=lambda event: (event.received_at, event.pk))


class AlertPage(Schema):
    count: int
    items: list[AlertOut]


class AlertFilters(Schema):
    status: Literal["firing", "resolved"] | None = None
    integration: int | None = Field(None, description="An integration id.")
    team: str | None = Field(None, description="A team slug.")
    service: str | None = Field(None, description="A service slug.")
    suppressed: bool | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


def _alert_detail(alert_id: int) -> Alert:
    alert = selectors.alert_with_events(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


# ---------------------------------------------------------------------------------------------
# Integrations


@router.get("/alerts", response={200: AlertPage, **ERRORS})
def list_alerts(request, filters: Query[AlertFilters]):
    """Newest first; each alert says where it went and why (`rule`, `suppressed_reason`)."""
    if filters.integration is not None:
        integration_by_id(filters.integration, field="integration")
    if filters.team:
        team_by_slug(filters.team, field="team")
    if filters.service:
        service_by_slug(filters.service)
    alerts = selectors.alerts_matching(
        status=filters.status,
        integration=filters.integration,
        team=filters.team,
        service=filters.service,
        suppressed=filters.suppressed,
    ).select_related("rule", "suppressed_by__service")
    page = alerts[filters.offset : filters.offset + filters.limit]
    return {"count": alerts.count(), "items": list(page)}


@router.get("/alerts/{int:alert_id}", response={200: AlertDetailOut, **ERRORS})
def get_alert(request, alert_id: int):
    """One alert with every signal received and each decision taken about it."""
    return _alert_detail(alert_id)
