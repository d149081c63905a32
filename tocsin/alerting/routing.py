"""Where an alert goes: the first matching rule, the severity mapping, the grouping key."""

import string
from dataclasses import dataclass, field

from tocsin.accounts.models import Team
from tocsin.incidents.models import Service, Severity

from . import patterns
from .models import Integration, Matcher, RoutingRule, SeverityMapping
from .sources import ParsedAlert

FALLBACK_SEVERITY = "P3"


@dataclass
class Route:
    team: Team
    service: Service | None
    severity: Severity
    runbook_url: str
    grouping_key: str
    rule: RoutingRule | None
    suppress: bool
    reasons: list[str] = field(default_factory=list)


def field_value(alert: ParsedAlert, name: str) -> str | None:
    """`labels.x`, `annotations.x`, or a plain field such as summary or source."""
    if "." in name:
        group, key = name.split(".", 1)
        values = {"labels": alert.labels, "annotations": alert.annotations}.get(group)
        return None if values is None else values.get(key)
    value = getattr(alert, name, None) if name in _PLAIN_FIELDS else None
    return value if value else None


_PLAIN_FIELDS = {"summary", "description", "source", "severity", "fingerprint"}


def _holds(matcher: dict, alert: ParsedAlert) -> bool:
    value = field_value(alert, matcher.get("field", ""))
    op, expected = matcher.get("op", "="), str(matcher.get("value", ""))
    if op == Matcher.EXISTS:
        return value is not None
    if op == Matcher.NOT_EXISTS:
        return value is None
    if op == Matcher.EQUALS:
        return value == expected
    if op == Matcher.NOT_EQUALS:
        return value != expected
    if op in (Matcher.REGEX, Matcher.NOT_REGEX):
        found = value is not None and patterns.fullmatch(expected, value)
        return found if op == Matcher.REGEX else not found
    return False


def _unusable_pattern(rule: RoutingRule) -> str | None:
    """Why one of the rule's patterns cannot run (saved before Tocsin ran RE2), in words."""
    for matcher in rule.matchers:
        if matcher.get("op") in (Matcher.REGEX, Matcher.NOT_REGEX):
            value = str(matcher.get("value", ""))
            if reason := patterns.problem(value):
                return f"its pattern {value!r} cannot run: {reason}"
    return None


def validate_matchers(matchers) -> list[dict]:
    """Check a rule's matchers; raise ValueError with a message naming the bad one."""
    if not isinstance(matchers, list):
        raise ValueError("matchers must be a list")
    clean = []
    for i, matcher in enumerate(matchers):
        if not isinstance(matcher, dict):
            raise ValueError(f"matchers[{i}] must be an object with field, op and value")
        name, op = str(matcher.get("field", "")).strip(), matcher.get("op", "=")
        if not name or not (
            name.split(".", 1)[0] in ("labels", "annotations") or name in _PLAIN_FIELDS
        ):
            raise ValueError(
                f"matchers[{i}].field {name!r} is not labels.<name>, annotations.<name>, "
                f"or one of {', '.join(sorted(_PLAIN_FIELDS))}"
            )
        if op not in Matcher.values:
            raise ValueError(f"matchers[{i}].op {op!r} is not one of {', '.join(Matcher.values)}")
        value = str(matcher.get("value", ""))
        if op in (Matcher.REGEX, Matcher.NOT_REGEX):
            if len(value) > patterns.MAX_LENGTH:
                raise ValueError(
                    f"matchers[{i}].value is a pattern of {len(value):,} characters; "
                    f"at most {patterns.MAX_LENGTH:,} are allowed"
                )
            try:
                patterns.check(value)
            except patterns.PatternError as error:
                raise ValueError(f"matchers[{i}].value is not a valid regex: {error}") from None
        clean.append({"field": name, "op": op, "value": value})
    return clean


def describe(matchers: list[dict]) -> str:
    if not matchers:
        return "every alert"
    return " and ".join(
        f"{m['field']} {m['op']}" + ("" if m["op"].endswith("exists") else f" {m['value']!r}")
        for m in matchers
    )


class _Fields(dict):
    def __missing__(self, key):
        return ""


def render_grouping_key(template: str, alert: ParsedAlert, *, service: Service | None) -> str:
    values = _Fields(
        {f"labels.{k}": v for k, v in alert.labels.items()}
        | {f"annotations.{k}": v for k, v in alert.annotations.items()}
        | {name: getattr(alert, name) or "" for name in _PLAIN_FIELDS}
        | {"service": service.slug if service else ""}
    )
    return "".join(
        literal + (values[name] if name else "")
        for literal, name, _, _ in string.Formatter().parse(template)
    )


def default_grouping_key(alert: ParsedAlert, *, service: Service | None, integration) -> str:
    """Service + alertname; without an alertname, the alert's own fingerprint."""
    name = alert.labels.get("alertname") or alert.fingerprint
    scope = service.slug if service else f"integration-{integration.pk}"
    return f"{scope}/{name}"


def map_severity(integration: Integration, alert: ParsedAlert) -> Severity | None:
    word = (alert.severity or "").strip().lower()
    if not word:
        return None
    mapping = (
        SeverityMapping.objects.select_related("severity")
        .filter(kind=integration.kind, value=word)
        .first()
    )
    if mapping:
        return mapping.severity
    return Severity.objects.filter(key__iexact=word).first()


def route(integration: Integration, alert: ParsedAlert, rules: list[RoutingRule]) -> Route:
    reasons = []
    rule = None
    for candidate in rules:
        if not candidate.enabled or candidate.integration_id not in (None, integration.pk):
            continue
        if unusable := _unusable_pattern(candidate):
            # Rules are checked when saved; one saved before must not lose alerts.
            reasons.append(
                f"Skipped rule #{candidate.position} {candidate.name!r}: {unusable}; "
                "treated as not matching"
            )
            continue
        if all(_holds(m, alert) for m in candidate.matchers):
            rule = candidate
            break
    if rule:
        reasons.append(f"Matched rule #{rule.position} {rule.name!r} ({describe(rule.matchers)})")
    else:
        reasons.append("No routing rule matched; used the integration's defaults")

    team = (rule and rule.team) or integration.team
    service = (rule and rule.service) or integration.service
    if rule and rule.severity:
        severity = rule.severity
        reasons.append(f"Severity {severity.key} set by the rule")
    elif mapped := map_severity(integration, alert):
        severity = mapped
        reasons.append(f"Severity {severity.key} mapped from the source's {alert.severity!r}")
    elif integration.severity:
        severity = integration.severity
        reasons.append(f"Severity {severity.key} is the integration's default")
    else:
        severity = (
            Severity.objects.filter(key=FALLBACK_SEVERITY).first() or Severity.objects.first()
        )
        reasons.append(f"Severity {severity.key}: nothing else decided")

    if alert.drill is not None:
        team, service, severity = _drill_route(integration, alert, reasons)

    runbook = (rule and rule.runbook_url) or alert.annotations.get("runbook_url", "")
    key = ""
    if rule and rule.grouping_key:
        try:
            key = render_grouping_key(rule.grouping_key, alert, service=service)
        except ValueError:
            # Rules are checked when saved; one written around the checks must not lose alerts.
            reasons.append(f"The rule's grouping key {rule.grouping_key!r} is not a template")
    if not key:
        key = default_grouping_key(alert, service=service, integration=integration)
    if alert.drill is not None:
        key = f"drill-{alert.drill.run}/{key}"  # each drill run opens its own incident
    if alert.test:
        # Its own keys: a test alert never joins a real incident, nor a real alert a drill.
        key = f"test/{key}"
        reasons.append(
            "A test alert: grouped only with other test alerts; an incident it opens is a drill"
        )
    return Route(
        team=team,
        service=service,
        severity=severity,
        runbook_url=runbook[:500],
        grouping_key=f"alert:{key}"[:255],
        rule=rule,
        suppress=bool(rule and rule.suppress),
        reasons=reasons,
    )


def _drill_route(integration: Integration, alert: ParsedAlert, reasons: list[str]):
    """A drill's scenario decides: the integration's team, its severity and service."""
    severity = Severity.objects.get(key=alert.drill.severity)
    service = None
    if alert.drill.service is not None:
        service = Service.objects.filter(pk=alert.drill.service).first()
    reasons.append(
        f"A drill: team {integration.team.name}, severity {severity.key} and "
        f"{f'service {service.name}' if service else 'no service'} set by its scenario"
    )
    return integration.team, service, severity


def storm_route(integration: Integration, storm) -> Route:
    """Where a new alert goes during an alert storm (storms.py): its integration's team and
    service, into the storm's incident; no rule is read."""
    return Route(
        team=integration.team,
        service=integration.service,
        severity=storm.severity,
        runbook_url="",
        grouping_key="",
        rule=None,
        suppress=False,
        reasons=[
            f"Alert storm: {integration.name} sent more than {integration.rate_limit_per_minute}"
            f" alerts in a minute; joined {storm.reference}"
        ],
    )
