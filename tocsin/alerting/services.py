"""Every configuration write of the alerting app: integrations, routing rules, maintenance."""

import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from tocsin.accounts.services import ensure_can_write, is_lead, is_member
from tocsin.errors import PermissionDenied, ValidationFailed

from .models import Integration, Kind, MaintenanceWindow, RoutingRule
from .routing import validate_matchers


def _ensure_manages(team, by) -> None:
    ensure_can_write(by)
    if not (by.is_admin or is_lead(team, by)):
        raise PermissionDenied(f"only an admin or a lead of {team.name} may change its alerting")


def create_integration(
    *,
    kind: str,
    name: str,
    team,
    by,
    service=None,
    severity=None,
    signing_secret: str = "",
    signature_header: str = "",
    heartbeat_interval: timedelta | None = None,
    heartbeat_grace: timedelta | None = None,
) -> Integration:
    _ensure_manages(team, by)
    if kind not in Kind.values:
        raise ValidationFailed(
            f"unknown kind {kind!r}; use one of {', '.join(Kind.values)}", field="kind"
        )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            "give the integration a name, e.g. 'Prometheus production'", field="name"
        )
    if kind == Kind.HEARTBEAT and not heartbeat_interval:
        raise ValidationFailed("a heartbeat needs an interval", field="heartbeat_interval")
    if heartbeat_interval is not None and heartbeat_interval < timedelta(seconds=10):
        raise ValidationFailed(
            "the heartbeat interval must be at least 10 seconds", field="heartbeat_interval"
        )
    integration = Integration(
        kind=kind,
        name=name[:100],
        team=team,
        service=service,
        severity=severity,
        signing_secret=signing_secret.strip(),
        signature_header=signature_header.strip() or DEFAULT_SIGNATURE_HEADERS.get(kind, ""),
        heartbeat_interval=heartbeat_interval if kind == Kind.HEARTBEAT else None,
    )
    if heartbeat_grace is not None:
        integration.heartbeat_grace = heartbeat_grace
    integration.save()
    return integration


DEFAULT_SIGNATURE_HEADERS = {
    Kind.GRAFANA: "X-Grafana-Alerting-Signature",
    Kind.CHECKLY: "x-checkly-signature",
}


def update_integration(*, integration: Integration, by, **changes) -> Integration:
    _ensure_manages(integration.team, by)
    allowed = {
        "name",
        "enabled",
        "auto_resolve",
        "reopen_window",
        "rate_limit_per_minute",
        "service",
        "severity",
        "signing_secret",
        "signature_header",
        "heartbeat_interval",
        "heartbeat_grace",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    for field_name, value in changes.items():
        setattr(integration, field_name, value)
    if integration.kind == Kind.HEARTBEAT and not integration.heartbeat_interval:
        raise ValidationFailed("a heartbeat needs an interval", field="heartbeat_interval")
    integration.save()
    return integration


def rotate_token(*, integration: Integration, by) -> Integration:
    """A new secret URL; the old one stops working at once."""
    _ensure_manages(integration.team, by)
    integration.token_salt = secrets.token_hex(16)
    integration.save()
    return integration


def create_rule(
    *,
    by,
    name: str,
    matchers,
    position: int = 100,
    integration=None,
    team=None,
    service=None,
    severity=None,
    runbook_url: str = "",
    grouping_key: str = "",
    suppress: bool = False,
) -> RoutingRule:
    if not by.is_admin and not (team and is_lead(team, by)):
        raise PermissionDenied("only an admin, or a lead for their own team, may add routing rules")
    ensure_can_write(by)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("give the rule a name", field="name")
    try:
        matchers = validate_matchers(matchers)
    except ValueError as error:
        raise ValidationFailed(str(error), field="matchers") from None
    return RoutingRule.objects.create(
        position=position,
        name=name[:100],
        integration=integration,
        matchers=matchers,
        team=team,
        service=service,
        severity=severity,
        runbook_url=runbook_url,
        grouping_key=grouping_key,
        suppress=suppress,
    )


def delete_rule(*, rule: RoutingRule, by) -> None:
    if not by.is_admin and not (rule.team and is_lead(rule.team, by)):
        raise PermissionDenied("only an admin, or a lead of the rule's team, may delete it")
    rule.delete()


def schedule_maintenance(
    *, service, starts_at: datetime, ends_at: datetime, reason: str, by
) -> MaintenanceWindow:
    ensure_can_write(by)
    if not (by.is_admin or is_member(service.team, by)):
        raise PermissionDenied(
            f"only members of {service.team.name} may schedule maintenance for {service}"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("say why, e.g. 'PostgreSQL 16 upgrade'", field="reason")
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None or timezone.is_naive(value):
            raise ValidationFailed(f"{name} needs a date, a time and a time zone", field=name)
    if ends_at <= starts_at:
        raise ValidationFailed("the window must end after it starts", field="ends_at")
    return MaintenanceWindow.objects.create(
        service=service, starts_at=starts_at, ends_at=ends_at, reason=reason[:200], created_by=by
    )


def end_maintenance(*, window: MaintenanceWindow, by) -> MaintenanceWindow:
    """End a window now (or delete it if it has not started)."""
    ensure_can_write(by)
    if not (by.is_admin or is_member(window.service.team, by)):
        raise PermissionDenied(f"only members of {window.service.team.name} may end this window")
    now = timezone.now()
    if window.starts_at >= now:
        window.delete()
    elif window.ends_at > now:
        window.ends_at = now
        window.save(update_fields=["ends_at"])
    return window
