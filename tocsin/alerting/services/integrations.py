"""Integrations: creating one, changing its settings, giving it a new secret URL."""

import re
from datetime import timedelta

from django.db import transaction

from tocsin.accounts.permissions import ensure_manages_team, ensure_may_route_to_service
from tocsin.errors import ValidationFailed
from tocsin.tokens import new_salt
from tocsin.validation import clean_text

from ..models import Integration, Kind
from .shared import clean_kind, clean_name, refuse_unknown_settings

MAX_RATE_LIMIT = 100_000
MAX_REOPEN_WINDOW = timedelta(days=7)
MIN_HEARTBEAT_INTERVAL = timedelta(seconds=10)
MAX_HEARTBEAT_INTERVAL = timedelta(days=31)
MAX_HEARTBEAT_GRACE = timedelta(days=1)
# An HTTP header name (RFC 9110 token characters that people actually use).
HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
# Ends the refusal "only an admin or a lead of Payments may change its alerting".
CHANGE_ALERTING = "change its alerting"

DEFAULT_SIGNATURE_HEADERS = {
    Kind.GRAFANA: "X-Grafana-Alerting-Signature",
    Kind.CHECKLY: "x-checkly-signature",
}


def _clean_header(header: str) -> str:
    header = (header or "").strip()
    if header and not HEADER_NAME.match(header):
        raise ValidationFailed(
            f"{header!r} is not an HTTP header name such as X-Grafana-Alerting-Signature",
            field="signature_header",
        )
    return header


def _clean_secret(secret: str) -> str:
    return clean_text(secret, field="signing_secret", max_length=200)


def _check_heartbeat(interval: timedelta | None, grace: timedelta | None) -> None:
    if interval is not None and not (MIN_HEARTBEAT_INTERVAL <= interval <= MAX_HEARTBEAT_INTERVAL):
        raise ValidationFailed(
            "the heartbeat interval must be at least 10 seconds and at most 31 days",
            field="heartbeat_interval",
        )
    if grace is not None and not (timedelta(0) <= grace <= MAX_HEARTBEAT_GRACE):
        raise ValidationFailed(
            "the heartbeat grace must be between 0 seconds and 1 day", field="heartbeat_grace"
        )


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
    ensure_manages_team(team, by, action=CHANGE_ALERTING)
    ensure_may_route_to_service(service, team=team, by=by)
    clean_kind(kind)
    name = clean_name(name, "integration a name, e.g. 'Prometheus production'")
    if kind == Kind.HEARTBEAT and not heartbeat_interval:
        raise ValidationFailed("a heartbeat needs an interval", field="heartbeat_interval")
    if kind == Kind.HEARTBEAT:
        _check_heartbeat(heartbeat_interval, heartbeat_grace)
    integration = Integration(
        kind=kind,
        name=name,
        team=team,
        service=service,
        severity=severity,
        signing_secret=_clean_secret(signing_secret),
        signature_header=_clean_header(signature_header) or DEFAULT_SIGNATURE_HEADERS.get(kind, ""),
        heartbeat_interval=heartbeat_interval if kind == Kind.HEARTBEAT else None,
    )
    if heartbeat_grace is not None and kind == Kind.HEARTBEAT:
        integration.heartbeat_grace = heartbeat_grace
    with transaction.atomic():
        integration.save()
    return integration


INTEGRATION_SETTINGS = {
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


def _clean_integration_changes(integration: Integration, changes: dict) -> dict:
    clean = dict(changes)
    if "name" in clean:
        clean["name"] = clean_name(clean["name"], "integration a name")
    if "rate_limit_per_minute" in clean:
        limit = clean["rate_limit_per_minute"]
        if not isinstance(limit, int) or not 1 <= limit <= MAX_RATE_LIMIT:
            raise ValidationFailed(
                f"the rate limit must be between 1 and {MAX_RATE_LIMIT:,} events a minute",
                field="rate_limit_per_minute",
            )
    if "reopen_window" in clean:
        window = clean["reopen_window"]
        if window is None or not timedelta(0) <= window <= MAX_REOPEN_WINDOW:
            raise ValidationFailed(
                "the reopen window must be between 0 minutes and 7 days", field="reopen_window"
            )
    if "signing_secret" in clean:
        clean["signing_secret"] = _clean_secret(clean["signing_secret"])
    if "signature_header" in clean:
        clean["signature_header"] = _clean_header(clean["signature_header"])
    for flag in ("enabled", "auto_resolve"):
        if flag in clean and not isinstance(clean[flag], bool):
            raise ValidationFailed(f"{flag} must be true or false", field=flag)
    heartbeat = {"heartbeat_interval", "heartbeat_grace"} & set(clean)
    if heartbeat and integration.kind != Kind.HEARTBEAT:
        raise ValidationFailed(
            "only a heartbeat integration has an interval and a grace", field=sorted(heartbeat)[0]
        )
    if "heartbeat_grace" in clean and clean["heartbeat_grace"] is None:
        raise ValidationFailed("a heartbeat needs a grace (0 is fine)", field="heartbeat_grace")
    _check_heartbeat(clean.get("heartbeat_interval"), clean.get("heartbeat_grace"))
    interval = clean.get("heartbeat_interval", integration.heartbeat_interval)
    if integration.kind == Kind.HEARTBEAT and not interval:
        raise ValidationFailed("a heartbeat needs an interval", field="heartbeat_interval")
    return clean


def update_integration(*, integration: Integration, by, **changes) -> Integration:
    """Change settings of an integration; nothing changes if one value is refused."""
    ensure_manages_team(integration.team, by, action=CHANGE_ALERTING)
    refuse_unknown_settings(changes, INTEGRATION_SETTINGS)
    clean = _clean_integration_changes(integration, changes)
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(pk=integration.pk)
        for field_name, value in clean.items():
            setattr(integration, field_name, value)
        ensure_may_route_to_service(integration.service, team=integration.team, by=by)
        integration.save()
    return integration


def rotate_token(*, integration: Integration, by) -> Integration:
    """A new secret URL; the old one stops working at once."""
    ensure_manages_team(integration.team, by, action=CHANGE_ALERTING)
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(pk=integration.pk)
        integration.token_salt = new_salt()
        integration.save()
    return integration
