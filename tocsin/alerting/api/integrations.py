"""Integrations: the configured alert sources, their secret URLs and settings."""

from datetime import datetime, timedelta

from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from tocsin.accounts.api import team_by_slug
from tocsin.accounts.permissions import teams_managed_by
from tocsin.incidents.api import severity_by_key
from tocsin.schemas import ERRORS, Input, Patch, ServiceRef, TeamRef

from .. import selectors, services
from ..models import Integration, Kind
from .shared import SeverityRef, integration_by_id, service_by_slug

router = Router()

MAX_SECONDS = 366 * 86_400  # any duration beyond a year is a typo

# ---------------------------------------------------------------------------------------------
# Who may see secrets: who manages the integration's team (as on the web page)


def _managed_team_ids(request) -> set[int]:
    """The teams whose integrations' secrets the caller sees (accounts.permissions says which),
    asked once per request: a list of integrations would otherwise ask once per row."""
    cached = getattr(request, "_alerting_managed_teams", None)
    if cached is None:
        cached = set(teams_managed_by(request.user).values_list("pk", flat=True))
        request._alerting_managed_teams = cached
    return cached


def _manages(integration: Integration, context) -> bool:
    request = (context or {}).get("request")
    if request is None:
        return False
    return integration.team_id in _managed_team_ids(request)


# ---------------------------------------------------------------------------------------------
# Answers and requests


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


class IntegrationOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    team: TeamRef
    service: ServiceRef | None
    severity: SeverityRef | None = Field(description="The default severity, if any.")
    enabled: bool
    auto_resolve: bool
    reopen_window_seconds: int
    rate_limit_per_minute: int
    signed: bool = Field(description="Whether requests must carry a valid signature.")
    signature_header: str
    heartbeat_interval_seconds: int | None
    heartbeat_grace_seconds: int | None
    last_ping_at: datetime | None
    heartbeat_deadline: datetime | None
    created_at: datetime
    page_url: str = Field(description="The integration's web page, with configuration snippets.")
    url: str | None = Field(
        description="The intake URL with its secret token; only for admins and the team's leads."
    )
    events_api_url: str | None = Field(
        description="PagerDuty kind: where Events API v2 clients send events."
    )
    integration_key: str | None = Field(
        description="PagerDuty kind: the routing_key; only for admins and the team's leads."
    )
    signing_secret: str | None = Field(
        description="Only for admins and the team's leads; empty when requests are not signed."
    )

    @staticmethod
    def resolve_kind_label(integration: Integration) -> str:
        return integration.get_kind_display()

    @staticmethod
    def resolve_reopen_window_seconds(integration: Integration) -> int:
        return _seconds(integration.reopen_window)

    @staticmethod
    def resolve_signed(integration: Integration) -> bool:
        return bool(integration.signing_secret)

    @staticmethod
    def resolve_heartbeat_interval_seconds(integration: Integration) -> int | None:
        return _seconds(integration.heartbeat_interval)

    @staticmethod
    def resolve_heartbeat_grace_seconds(integration: Integration) -> int | None:
        if integration.kind != Kind.HEARTBEAT:
            return None
        return _seconds(integration.heartbeat_grace)

    @staticmethod
    def resolve_page_url(integration: Integration) -> str:
        return selectors.page_url(integration)

    @staticmethod
    def resolve_url(integration: Integration, context) -> str | None:
        return selectors.intake_url(integration) if _manages(integration, context) else None

    @staticmethod
    def resolve_events_api_url(integration: Integration) -> str | None:
        return selectors.events_api_url() if integration.kind == Kind.PAGERDUTY else None

    @staticmethod
    def resolve_integration_key(integration: Integration, context) -> str | None:
        if integration.kind != Kind.PAGERDUTY or not _manages(integration, context):
            return None
        return integration.token

    @staticmethod
    def resolve_signing_secret(integration: Integration, context) -> str | None:
        return integration.signing_secret if _manages(integration, context) else None


class IntegrationIn(Input):
    kind: str = Field(description=f"One of {', '.join(Kind.values)}.")
    name: str
    team: str = Field(description="The slug of the team that owns the alerts.")
    service: str | None = Field(None, description="Slug of the default service.")
    severity: str | None = Field(None, description="Key of the default severity, e.g. P2.")
    signing_secret: str = ""
    signature_header: str = ""
    heartbeat_interval_seconds: StrictInt | None = Field(None, ge=0, le=MAX_SECONDS)
    heartbeat_grace_seconds: StrictInt | None = Field(None, ge=0, le=MAX_SECONDS)


class IntegrationPatch(Patch):
    name: str = None
    enabled: StrictBool = None
    auto_resolve: StrictBool = None
    reopen_window_seconds: StrictInt = Field(None, ge=0, le=MAX_SECONDS)
    rate_limit_per_minute: StrictInt = None
    service: str | None = Field(None, description="A service slug; null removes the default.")
    severity: str | None = Field(None, description="A severity key; null removes the default.")
    signing_secret: str = None
    signature_header: str = None
    heartbeat_interval_seconds: StrictInt = Field(None, ge=0, le=MAX_SECONDS)
    heartbeat_grace_seconds: StrictInt = Field(None, ge=0, le=MAX_SECONDS)


def _duration(seconds: int | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


# ---------------------------------------------------------------------------------------------
# Endpoints


@router.get("/integrations", response={200: list[IntegrationOut], **ERRORS})
def list_integrations(request, team: str | None = None, kind: str | None = None):
    """Every integration; `url` and secrets only where you are an admin or the team's lead."""
    integrations = Integration.objects.select_related("team", "service", "severity")
    if team:
        integrations = integrations.filter(team=team_by_slug(team, field="team"))
    if kind:
        integrations = integrations.filter(kind=services.clean_kind(kind))
    return integrations.order_by("team__name", "name")


@router.post("/integrations", response={201: IntegrationOut, **ERRORS})
def create_integration(request, payload: IntegrationIn):
    """Only admins and leads of the team; the answer carries the new intake URL."""
    integration = services.create_integration(
        kind=payload.kind,
        name=payload.name,
        team=team_by_slug(payload.team, field="team"),
        by=request.user,
        service=service_by_slug(payload.service),
        severity=severity_by_key(payload.severity),
        signing_secret=payload.signing_secret,
        signature_header=payload.signature_header,
        heartbeat_interval=_duration(payload.heartbeat_interval_seconds),
        heartbeat_grace=_duration(payload.heartbeat_grace_seconds),
    )
    return Status(201, integration_by_id(integration.pk))


@router.get("/integrations/{int:integration_id}", response={200: IntegrationOut, **ERRORS})
def get_integration(request, integration_id: int):
    return integration_by_id(integration_id)


@router.patch("/integrations/{int:integration_id}", response={200: IntegrationOut, **ERRORS})
def update_integration(request, integration_id: int, payload: IntegrationPatch):
    """Change any of the given fields; if one is refused, none is changed."""
    integration = integration_by_id(integration_id)
    given = payload.model_dump(exclude_unset=True)
    changes = {}
    for name in (
        "name",
        "enabled",
        "auto_resolve",
        "rate_limit_per_minute",
        "signing_secret",
        "signature_header",
    ):
        if name in given:
            changes[name] = given[name]
    if "reopen_window_seconds" in given:
        changes["reopen_window"] = _duration(given["reopen_window_seconds"])
    for name in ("heartbeat_interval", "heartbeat_grace"):
        if f"{name}_seconds" in given:
            changes[name] = _duration(given[f"{name}_seconds"])
    if "service" in given:
        changes["service"] = service_by_slug(given["service"])
    if "severity" in given:
        changes["severity"] = severity_by_key(given["severity"])
    services.update_integration(integration=integration, by=request.user, **changes)
    return integration_by_id(integration_id)


@router.post(
    "/integrations/{int:integration_id}/rotate-token", response={200: IntegrationOut, **ERRORS}
)
def rotate_token(request, integration_id: int):
    """A new secret URL (in `url`); the old one stops working at once."""
    services.rotate_token(integration=integration_by_id(integration_id), by=request.user)
    return integration_by_id(integration_id)
