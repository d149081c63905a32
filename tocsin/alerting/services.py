"""Every configuration write of the alerting app: integrations, routing rules, maintenance."""

import re
import string
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from tocsin.accounts.permissions import (
    ensure_admin,
    ensure_manages_routing_rules,
    ensure_manages_team,
    ensure_may_route,
    ensure_works_for_team,
)
from tocsin.errors import Conflict, ValidationFailed
from tocsin.tokens import new_salt
from tocsin.validation import clean_text

from .models import Integration, Kind, MaintenanceWindow, RoutingRule, SeverityMapping
from .routing import validate_matchers

MAX_RATE_LIMIT = 100_000
MAX_REOPEN_WINDOW = timedelta(days=7)
MIN_HEARTBEAT_INTERVAL = timedelta(seconds=10)
MAX_HEARTBEAT_INTERVAL = timedelta(days=31)
MAX_HEARTBEAT_GRACE = timedelta(days=1)
MAX_POSITION = 1_000_000
# An HTTP header name (RFC 9110 token characters that people actually use).
HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
# Ends the refusal "only an admin or a lead of Payments may change its alerting".
CHANGE_ALERTING = "change its alerting"


def clean_kind(kind: str) -> str:
    """`kind` when it names a kind of integration; else the error that lists the kinds."""
    if kind not in Kind.values:
        raise ValidationFailed(
            f"unknown kind {kind!r}; use one of {', '.join(Kind.values)}", field="kind"
        )
    return kind


def _clean_name(name: str, example: str) -> str:
    return clean_text(name, field="name", max_length=100, missing=f"give the {example}")


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
    clean_kind(kind)
    name = _clean_name(name, "integration a name, e.g. 'Prometheus production'")
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


DEFAULT_SIGNATURE_HEADERS = {
    Kind.GRAFANA: "X-Grafana-Alerting-Signature",
    Kind.CHECKLY: "x-checkly-signature",
}

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
        clean["name"] = _clean_name(clean["name"], "integration a name")
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
    unknown = set(changes) - INTEGRATION_SETTINGS
    if unknown:
        raise ValidationFailed(
            f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    clean = _clean_integration_changes(integration, changes)
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(pk=integration.pk)
        for field_name, value in clean.items():
            setattr(integration, field_name, value)
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


# ---------------------------------------------------------------------------------------------
# Routing rules


def _clean_grouping_key(template: str) -> str:
    template = clean_text(template, field="grouping_key", max_length=200)
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as error:
        raise ValidationFailed(
            f"the grouping key is not a template such as {{labels.cluster}}/{{labels.alertname}}: "
            f"{error}",
            field="grouping_key",
        ) from None
    for name in fields:
        group = name.split(".", 1)[0]
        if not (group in ("labels", "annotations") and "." in name) and name not in (
            "summary",
            "description",
            "source",
            "severity",
            "fingerprint",
            "service",
        ):
            raise ValidationFailed(
                f"the grouping key names {{{name}}}; use {{labels.<name>}}, "
                "{annotations.<name>}, {summary}, {source}, {severity}, {fingerprint} or {service}",
                field="grouping_key",
            )
    return template


def _clean_runbook(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationFailed(f"{url!r} is not an http(s) address", field="runbook_url") from None
    if len(url) > 200:
        raise ValidationFailed(
            "the runbook address is longer than 200 characters", field="runbook_url"
        )
    return url


def _clean_position(position) -> int:
    if isinstance(position, bool) or not isinstance(position, int):
        raise ValidationFailed("the position must be a whole number", field="position")
    if not 0 <= position <= MAX_POSITION:
        raise ValidationFailed(
            f"the position must be between 0 and {MAX_POSITION:,}", field="position"
        )
    return position


def _clean_matchers(matchers) -> list[dict]:
    try:
        return validate_matchers(matchers)
    except ValueError as error:
        raise ValidationFailed(str(error), field="matchers") from None


def create_rule(
    *,
    by,
    name: str,
    matchers,
    position: int = 100,
    enabled: bool = True,
    integration=None,
    team=None,
    service=None,
    severity=None,
    runbook_url: str = "",
    grouping_key: str = "",
    suppress: bool = False,
) -> RoutingRule:
    """A new routing rule, written once: one created disabled is never evaluated."""
    ensure_manages_routing_rules(team, by, action="add routing rules")
    rule = RoutingRule(
        position=_clean_position(position),
        name=_clean_name(name, "rule a name"),
        enabled=bool(enabled),
        integration=integration,
        matchers=_clean_matchers(matchers),
        team=team,
        service=service,
        severity=severity,
        runbook_url=_clean_runbook(runbook_url),
        grouping_key=_clean_grouping_key(grouping_key),
        suppress=bool(suppress),
    )
    ensure_may_route(team=team, integration=integration, by=by)
    with transaction.atomic():
        rule.save()
    return rule


RULE_SETTINGS = {
    "name": lambda value: _clean_name(value, "rule a name"),
    "enabled": bool,
    "position": _clean_position,
    "integration": lambda value: value,
    "matchers": _clean_matchers,
    "team": lambda value: value,
    "service": lambda value: value,
    "severity": lambda value: value,
    "runbook_url": _clean_runbook,
    "grouping_key": _clean_grouping_key,
    "suppress": bool,
}


def update_rule(*, rule: RoutingRule, by, **changes) -> RoutingRule:
    """Change a rule; whoever changes it must manage its team before and after."""
    ensure_manages_routing_rules(rule.team, by, action="change this routing rule")
    if "team" in changes:
        ensure_manages_routing_rules(changes["team"], by, action="give a routing rule to that team")
    unknown = set(changes) - set(RULE_SETTINGS)
    if unknown:
        raise ValidationFailed(
            f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    clean = {name: RULE_SETTINGS[name](value) for name, value in changes.items()}
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
        for field_name, value in clean.items():
            setattr(rule, field_name, value)
        ensure_may_route(team=rule.team, integration=rule.integration, by=by)
        rule.save()
    return rule


def move_rule(*, rule: RoutingRule, by, direction: str) -> RoutingRule:
    """Swap a rule with the one before ("up") or after ("down") it in the evaluation order.

    When several rules share a position, all rules are first renumbered 10, 20, 30… in their
    current order, so that the order people see is the order that is evaluated.
    """
    if direction not in ("up", "down"):
        raise ValidationFailed("move a rule 'up' or 'down'", field="direction")
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update(of=("self",)).select_related("team"))
        index = next((i for i, r in enumerate(rules) if r.pk == rule.pk), None)
        if index is None:
            raise ValidationFailed("this routing rule no longer exists", field="rule")
        other_index = index - 1 if direction == "up" else index + 1
        if not 0 <= other_index < len(rules):
            where = "first" if direction == "up" else "last"
            raise ValidationFailed(f"{rules[index]} is already the {where} rule", field="direction")
        mine, other = rules[index], rules[other_index]
        for team in (mine.team, other.team):
            ensure_manages_routing_rules(team, by, action="reorder these routing rules")
        positions = [r.position for r in rules]
        if len(set(positions)) != len(positions):
            for number, each in enumerate(rules, start=1):
                each.position = number * 10
            RoutingRule.objects.bulk_update(rules, ["position"])
        mine.position, other.position = other.position, mine.position
        RoutingRule.objects.bulk_update([mine, other], ["position"])
    return mine


def delete_rule(*, rule: RoutingRule, by) -> None:
    ensure_manages_routing_rules(rule.team, by, action="delete it", whose="of the rule's team")
    with transaction.atomic():
        rule.delete()


def set_severity_mapping(*, kind: str, value: str, severity, by) -> SeverityMapping | None:
    """Map a source's severity word to a rung of the ladder; no severity removes the mapping."""
    ensure_admin(by)
    clean_kind(kind)
    value = (value or "").strip().lower()
    if not value:
        raise ValidationFailed("give the source's word, e.g. critical", field="value")
    if len(value) > 50:
        raise ValidationFailed("the word is longer than 50 characters", field="value")
    with transaction.atomic():
        if severity is None:
            SeverityMapping.objects.filter(kind=kind, value=value).delete()
            return None
        mapping, _ = SeverityMapping.objects.update_or_create(
            kind=kind, value=value, defaults={"severity": severity}
        )
    return mapping


# ---------------------------------------------------------------------------------------------
# Maintenance windows


def schedule_maintenance(
    *, service, starts_at: datetime, ends_at: datetime, reason: str, by
) -> MaintenanceWindow:
    ensure_works_for_team(service.team, by, action=f"schedule maintenance for {service}")
    reason = clean_text(
        reason, field="reason", max_length=200, missing="say why, e.g. 'PostgreSQL 16 upgrade'"
    )
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None or timezone.is_naive(value):
            raise ValidationFailed(f"{name} needs a date, a time and a time zone", field=name)
    if ends_at <= starts_at:
        raise ValidationFailed("the window must end after it starts", field="ends_at")
    if ends_at <= timezone.now():
        raise ValidationFailed("the window would already be over", field="ends_at")
    with transaction.atomic():
        return MaintenanceWindow.objects.create(
            service=service, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=by
        )


def end_maintenance(*, window: MaintenanceWindow, by) -> MaintenanceWindow:
    """End a running window now; one that has not started is deleted and comes back `cancelled`.

    A window that starts this very instant has not started: it cannot end when it starts.
    """
    ensure_works_for_team(window.service.team, by, action="end this window")
    now = timezone.now()
    if window.ends_at <= now:
        raise Conflict(
            f"this window is already over (it ended {window.ends_at:%Y-%m-%d %H:%M} UTC)"
        )
    with transaction.atomic():
        if window.starts_at >= now:
            window.delete()
            window.cancelled = True
        else:
            window.ends_at = now
            window.save(update_fields=["ends_at"])
    return window
