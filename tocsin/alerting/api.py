"""REST endpoints to configure alert intake and to see what became of every alert.

Integrations, alerts with the decisions taken about them, routing rules, maintenance windows,
the severity mapping. Handlers parse, look up, call one service and serialize; permissions and
validation live in `services.py`. (Alerts themselves arrive at the intake URLs, `intake.py`.)
"""

from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt, field_validator

from tocsin.accounts.api import team_by_slug
from tocsin.accounts.models import InstanceRole, Membership, MembershipRole
from tocsin.errors import NotFound, ValidationFailed
from tocsin.incidents.api import severity_by_key
from tocsin.incidents.models import Service
from tocsin.schemas import ERRORS, Input, TeamRef, UserOut, refuse_nul

from . import selectors, services
from .matcher_text import parse_matchers
from .models import Alert, Integration, Kind, MaintenanceWindow, RoutingRule, SeverityMapping
from .routing import describe

router = Router(tags=["alerting"])

MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000
MAX_SECONDS = 366 * 86_400  # any duration beyond a year is a typo

# ---------------------------------------------------------------------------------------------
# Who may see secrets: admins and the leads of the integration's team (as on the web page)


def _managed_team_ids(request) -> set[int] | None:
    """The teams whose integrations the caller manages; None means every team (an admin)."""
    cached = getattr(request, "_alerting_managed_teams", False)
    if cached is not False:
        return cached
    user = request.user
    if user.role == InstanceRole.VIEWER and not user.is_superuser:
        teams: set[int] | None = set()
    elif user.is_admin:
        teams = None
    else:
        teams = set(
            Membership.objects.filter(user=user, role=MembershipRole.LEAD).values_list(
                "team_id", flat=True
            )
        )
    request._alerting_managed_teams = teams
    return teams


def _manages(integration: Integration, context) -> bool:
    request = (context or {}).get("request")
    if request is None:
        return False
    teams = _managed_team_ids(request)
    return teams is None or integration.team_id in teams


# ---------------------------------------------------------------------------------------------
# What the API answers with


class SeverityRef(Schema):
    key: str
    name: str


class ServiceRef(Schema):
    slug: str
    name: str


class IntegrationRef(Schema):
    id: int
    name: str
    kind: str


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


class MatcherOut(Schema):
    field: str
    op: str
    value: str


class RuleOut(Schema):
    id: int
    position: int
    name: str
    enabled: bool
    integration: IntegrationRef | None = Field(description="Only alerts from this integration.")
    matchers: list[MatcherOut]
    description: str = Field(description="The matchers in words.")
    team: TeamRef | None
    service: ServiceRef | None
    severity: SeverityRef | None
    runbook_url: str
    grouping_key: str
    suppress: bool
    created_at: datetime

    @staticmethod
    def resolve_description(rule: RoutingRule) -> str:
        return describe(rule.matchers)


class SeverityMappingOut(Schema):
    kind: str
    value: str
    severity: SeverityRef


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


def _not_null(value):
    if value is None:
        raise ValueError("leave the field out to keep it; null is not a value")
    return value


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


class IntegrationPatch(Input):
    name: str | None = None
    enabled: StrictBool | None = None
    auto_resolve: StrictBool | None = None
    reopen_window_seconds: StrictInt | None = Field(None, ge=0, le=MAX_SECONDS)
    rate_limit_per_minute: StrictInt | None = None
    service: str | None = Field(None, description="A service slug; null removes the default.")
    severity: str | None = Field(None, description="A severity key; null removes the default.")
    signing_secret: str | None = None
    signature_header: str | None = None
    heartbeat_interval_seconds: StrictInt | None = Field(None, ge=0, le=MAX_SECONDS)
    heartbeat_grace_seconds: StrictInt | None = Field(None, ge=0, le=MAX_SECONDS)

    not_null = field_validator(
        "name",
        "enabled",
        "auto_resolve",
        "reopen_window_seconds",
        "rate_limit_per_minute",
        "signing_secret",
        "signature_header",
        "heartbeat_interval_seconds",
        "heartbeat_grace_seconds",
        mode="before",
    )(_not_null)


class MatcherIn(Input):
    field: str = Field(description="labels.<name>, annotations.<name>, summary, source, …")
    op: str = Field("=", description="=, !=, =~, !~, exists or !exists")
    value: str = ""


MatcherItem = MatcherIn | str


class RuleIn(Input):
    name: str
    matchers: list[MatcherItem] = Field(
        default_factory=list,
        description='Objects, or lines such as "labels.severity = critical"; empty matches all.',
    )
    position: StrictInt = 100
    enabled: StrictBool = True
    integration: StrictInt | None = Field(None, description="Only alerts from this integration.")
    team: str | None = Field(None, description="Team slug; empty keeps the integration's team.")
    service: str | None = Field(None, description="Service slug.")
    severity: str | None = Field(None, description="Severity key, e.g. P1.")
    runbook_url: str = ""
    grouping_key: str = Field("", description="A template: {labels.cluster}/{labels.alertname}")
    suppress: StrictBool = False


class RulePatch(Input):
    name: str | None = None
    matchers: list[MatcherItem] | None = None
    position: StrictInt | None = None
    enabled: StrictBool | None = None
    integration: StrictInt | None = Field(None, description="null: alerts from any integration.")
    team: str | None = Field(None, description="null: the integration's team.")
    service: str | None = Field(None, description="null: the integration's service.")
    severity: str | None = Field(None, description="null: decided by the severity mapping.")
    runbook_url: str | None = None
    grouping_key: str | None = None
    suppress: StrictBool | None = None

    not_null = field_validator(
        "name",
        "matchers",
        "position",
        "enabled",
        "runbook_url",
        "grouping_key",
        "suppress",
        mode="before",
    )(_not_null)


class MaintenanceIn(Input):
    service: str = Field(description="The slug of the service under maintenance.")
    starts_at: datetime = Field(description="ISO 8601 with a time zone: 2026-11-24T22:00+01:00")
    ends_at: datetime = Field(description="ISO 8601 with a time zone.")
    reason: str


class SeverityMappingIn(Input):
    severity: str | None = Field(description="A severity key; null removes the mapping.")


class AlertFilters(Schema):
    status: Literal["firing", "resolved"] | None = None
    integration: int | None = Field(None, description="An integration id.")
    team: str | None = Field(None, description="A team slug.")
    service: str | None = Field(None, description="A service slug.")
    suppressed: bool | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


class MaintenanceFilters(Schema):
    state: MaintenanceState | None = None
    service: str | None = Field(None, description="A service slug.")

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


# ---------------------------------------------------------------------------------------------
# Lookups of what a request names


def _integration(integration_id: int, *, field: str | None = None) -> Integration:
    integration = (
        Integration.objects.select_related("team", "service", "severity")
        .filter(pk=integration_id)
        .first()
    )
    if integration is None:
        if field:
            raise ValidationFailed(f"no integration {integration_id}", field=field)
        raise NotFound(f"no integration {integration_id}")
    return integration


def _service(slug: str | None, *, field: str = "service") -> Service | None:
    if slug is None:
        return None
    service = Service.objects.select_related("team").filter(slug=slug.strip()).first()
    if service is None:
        raise ValidationFailed(f"unknown service {slug!r}", field=field)
    return service


def _team(slug: str | None, *, field: str = "team"):
    return None if slug is None else team_by_slug(slug, field=field)


def _duration(seconds: int | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


def _matchers(items: list) -> list[dict]:
    """Matcher objects as they are; text lines parsed as on the web page."""
    matchers = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            try:
                parsed = parse_matchers(item)
            except ValueError as error:
                message = str(error).removeprefix("line 1: ")
                raise ValidationFailed(f"matchers[{index}]: {message}", field="matchers") from None
            if len(parsed) != 1:
                raise ValidationFailed(
                    f"matchers[{index}] must be one matcher such as 'labels.severity = critical'",
                    field="matchers",
                )
            matchers += parsed
        else:
            matchers.append(item.model_dump())
    return matchers


def _rule(rule_id: int) -> RoutingRule:
    rule = RoutingRule.objects.select_related("team").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"no routing rule {rule_id}")
    return rule


def _rule_detail(rule: RoutingRule) -> RoutingRule:
    return selectors.rules_in_order().get(pk=rule.pk)


def _alert_detail(alert_id: int) -> Alert:
    alert = selectors.alert_with_events(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


# ---------------------------------------------------------------------------------------------
# Integrations


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
        service=_service(payload.service),
        severity=severity_by_key(payload.severity),
        signing_secret=payload.signing_secret,
        signature_header=payload.signature_header,
        heartbeat_interval=_duration(payload.heartbeat_interval_seconds),
        heartbeat_grace=_duration(payload.heartbeat_grace_seconds),
    )
    return Status(201, _integration(integration.pk))


@router.get("/integrations/{int:integration_id}", response={200: IntegrationOut, **ERRORS})
def get_integration(request, integration_id: int):
    return _integration(integration_id)


@router.patch("/integrations/{int:integration_id}", response={200: IntegrationOut, **ERRORS})
def update_integration(request, integration_id: int, payload: IntegrationPatch):
    """Change any of the given fields; if one is refused, none is changed."""
    integration = _integration(integration_id)
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
        changes["service"] = _service(given["service"])
    if "severity" in given:
        changes["severity"] = severity_by_key(given["severity"])
    services.update_integration(integration=integration, by=request.user, **changes)
    return _integration(integration_id)


@router.post(
    "/integrations/{int:integration_id}/rotate-token", response={200: IntegrationOut, **ERRORS}
)
def rotate_token(request, integration_id: int):
    """A new secret URL (in `url`); the old one stops working at once."""
    services.rotate_token(integration=_integration(integration_id), by=request.user)
    return _integration(integration_id)


# ---------------------------------------------------------------------------------------------
# Alerts


@router.get("/alerts", response={200: AlertPage, **ERRORS})
def list_alerts(request, filters: Query[AlertFilters]):
    """Newest first; each alert says where it went and why (`rule`, `suppressed_reason`)."""
    if filters.integration is not None:
        _integration(filters.integration, field="integration")
    if filters.team:
        team_by_slug(filters.team, field="team")
    if filters.service:
        _service(filters.service)
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


# ---------------------------------------------------------------------------------------------
# Routing rules and the severity mapping


@router.get("/rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request):
    """In evaluation order: the first enabled rule that matches an alert decides."""
    return selectors.rules_in_order()


@router.post("/rules", response={201: RuleOut, **ERRORS})
def create_rule(request, payload: RuleIn):
    """Admins for any team; team leads for their own team."""
    integration = (
        None
        if payload.integration is None
        else _integration(payload.integration, field="integration")
    )
    rule = services.create_rule(
        by=request.user,
        name=payload.name,
        matchers=_matchers(payload.matchers),
        position=payload.position,
        enabled=payload.enabled,
        integration=integration,
        team=_team(payload.team),
        service=_service(payload.service),
        severity=severity_by_key(payload.severity),
        runbook_url=payload.runbook_url,
        grouping_key=payload.grouping_key,
        suppress=payload.suppress,
    )
    return Status(201, _rule_detail(rule))


@router.patch("/rules/{int:rule_id}", response={200: RuleOut, **ERRORS})
def update_rule(request, rule_id: int, payload: RulePatch):
    rule = _rule(rule_id)
    given = payload.model_dump(exclude_unset=True)
    changes = {
        name: given[name]
        for name in ("name", "position", "enabled", "runbook_url", "grouping_key", "suppress")
        if name in given
    }
    if "matchers" in given:
        changes["matchers"] = _matchers(payload.matchers)
    if "integration" in given:
        changes["integration"] = (
            None
            if given["integration"] is None
            else _integration(given["integration"], field="integration")
        )
    if "team" in given:
        changes["team"] = _team(given["team"])
    if "service" in given:
        changes["service"] = _service(given["service"])
    if "severity" in given:
        changes["severity"] = severity_by_key(given["severity"])
    rule = services.update_rule(rule=rule, by=request.user, **changes)
    return _rule_detail(rule)


@router.delete("/rules/{int:rule_id}", response={204: None, **ERRORS})
def delete_rule(request, rule_id: int):
    services.delete_rule(rule=_rule(rule_id), by=request.user)
    return Status(204, None)


@router.get("/severity-mappings", response={200: list[SeverityMappingOut], **ERRORS})
def list_severity_mappings(request, kind: str | None = None):
    """The source's severity word → a severity, per kind of integration."""
    mappings = SeverityMapping.objects.select_related("severity").order_by(
        "kind", "severity__rank", "value"
    )
    if kind:
        mappings = mappings.filter(kind=services.clean_kind(kind))
    return mappings


@router.put(
    "/severity-mappings/{kind}/{value}",
    response={200: SeverityMappingOut, 204: None, **ERRORS},
)
def set_severity_mapping(request, kind: str, value: str, payload: SeverityMappingIn):
    """Admins only. A null severity removes the mapping (204)."""
    mapping = services.set_severity_mapping(
        kind=kind, value=value, severity=severity_by_key(payload.severity), by=request.user
    )
    return Status(204, None) if mapping is None else mapping


# ---------------------------------------------------------------------------------------------
# Maintenance windows


def _windows():
    return MaintenanceWindow.objects.select_related("service__team", "created_by")


@router.get("/maintenance", response={200: list[MaintenanceOut], **ERRORS})
def list_maintenance(request, filters: Query[MaintenanceFilters]):
    """Newest first; `state` picks current, upcoming or past windows."""
    if filters.service:
        _service(filters.service)
    return selectors.maintenance_windows(state=filters.state, service=filters.service)


@router.post("/maintenance", response={201: MaintenanceOut, **ERRORS})
def create_maintenance(request, payload: MaintenanceIn):
    """Members of the service's team: new alerts about it are suppressed during the window."""
    window = services.schedule_maintenance(
        service=_service(payload.service),
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
