"""Reads of the alerting app that pages, the API and the CLI share."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from .models import (
    Alert,
    AlertStatus,
    Integration,
    Kind,
    MaintenanceWindow,
    RoutingRule,
    SeverityMapping,
)
from .sources.heartbeat import HEARTBEAT_FINGERPRINT

MASK = "•" * 8


def intake_url(integration: Integration, *, masked: bool = False) -> str:
    """The integration's own URL, with its secret token (or dots in its place)."""
    token = MASK if masked else integration.token
    return f"{settings.BASE_URL}/api/v1/integrations/{token}/{integration.kind}"


def events_api_url() -> str:
    """Where PagerDuty Events API v2 clients send events (the integration key says whose)."""
    return f"{settings.BASE_URL}/v2/enqueue"


def page_url(integration: Integration) -> str:
    return f"{settings.BASE_URL}/integrations/{integration.pk}/"


def integrations_with_counts() -> QuerySet[Integration]:
    return Integration.objects.select_related("team", "service", "severity").annotate(
        alert_count=Count("alerts", distinct=True),
        firing_count=Count("alerts", filter=Q(alerts__status=AlertStatus.FIRING), distinct=True),
        last_alert_at=Max("alerts__last_seen_at"),
    )


def alerts_matching(
    *,
    status: str | None = None,
    integration: int | None = None,
    team: str | None = None,
    service: str | None = None,
    suppressed: bool | None = None,
) -> QuerySet[Alert]:
    """Alerts, newest first; each filter left as None does not filter."""
    alerts = Alert.objects.select_related(
        "integration", "team", "service", "severity", "incident", "suppressed_by"
    ).order_by("-last_seen_at", "-id")
    if status:
        alerts = alerts.filter(status=status)
    if integration:
        alerts = alerts.filter(integration_id=integration)
    if team:
        alerts = alerts.filter(team__slug=team)
    if service:
        alerts = alerts.filter(service__slug=service)
    if suppressed is True:
        alerts = alerts.exclude(suppressed_reason="")
    elif suppressed is False:
        alerts = alerts.filter(suppressed_reason="")
    return alerts


def alerts_of_incident(incident) -> list[Alert]:
    """The alerts that opened `incident` or joined it, the first received first."""
    return list(
        Alert.objects.filter(incident=incident)
        .select_related("integration")
        .order_by("first_seen_at", "id")
    )


def alert_with_events(pk: int) -> Alert | None:
    return (
        Alert.objects.select_related(
            "integration",
            "team",
            "service",
            "severity",
            "incident",
            "rule",
            "suppressed_by__service",
        )
        .prefetch_related("events")
        .filter(pk=pk)
        .first()
    )


def rules_in_order() -> QuerySet[RoutingRule]:
    """Every routing rule in the order they are tried: the first that matches decides."""
    return RoutingRule.objects.select_related(
        "integration", "team", "service", "severity"
    ).order_by("position", "id")


def severity_mappings() -> dict[str, list[SeverityMapping]]:
    """The mapping rows per kind of integration, most severe first."""
    table: dict[str, list[SeverityMapping]] = {kind: [] for kind in Kind.values}
    for mapping in SeverityMapping.objects.select_related("severity").order_by(
        "kind", "severity__rank", "value"
    ):
        table.setdefault(mapping.kind, []).append(mapping)
    return table


def maintenance_state(window: MaintenanceWindow, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if window.ends_at <= now:
        return "past"
    return "current" if window.covers(now) else "upcoming"


def maintenance_windows(
    *, state: str | None = None, service: str | None = None, now: datetime | None = None
) -> QuerySet[MaintenanceWindow]:
    """Windows by state (current, upcoming, past); current and upcoming soonest first."""
    now = now or timezone.now()
    windows = MaintenanceWindow.objects.select_related("service__team", "created_by")
    if service:
        windows = windows.filter(service__slug=service)
    if state == "current":
        return windows.in_effect(now).order_by("ends_at", "id")
    if state == "upcoming":
        return windows.filter(starts_at__gt=now).order_by("starts_at", "id")
    if state == "past":
        return windows.filter(ends_at__lte=now).order_by("-ends_at", "-id")
    return windows.order_by("-starts_at", "-id")


@dataclass
class HeartbeatStatus:
    last_ping_at: datetime | None
    deadline: datetime | None
    overdue: bool
    missed_alert: Alert | None

    @property
    def waiting(self) -> bool:
        """Never pinged, and the first deadline is still ahead: not yet known to work."""
        return self.last_ping_at is None and not self.overdue and self.missed_alert is None


def heartbeat_status(integration: Integration, now: datetime | None = None) -> HeartbeatStatus:
    now = now or timezone.now()
    deadline = integration.heartbeat_deadline
    missed = (
        integration.alerts.filter(fingerprint=HEARTBEAT_FINGERPRINT, status=AlertStatus.FIRING)
        .select_related("incident")
        .first()
    )
    return HeartbeatStatus(
        last_ping_at=integration.last_ping_at,
        deadline=deadline,
        overdue=bool(deadline and deadline <= now),
        missed_alert=missed,
    )
