"""Scenarios: written, changed and deleted by a team's leads and admins; the payload is read
by the scenario's integration's own parser whenever it is saved (`parse_payload`)."""

import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.accounts.models import Team, User
from tocsin.accounts.permissions import ensure_manages_drills
from tocsin.alerting.models import Integration
from tocsin.alerting.sources import Action, ParsedAlert, PayloadError, registry
from tocsin.errors import Conflict, ValidationFailed
from tocsin.incidents.models import Service, Severity
from tocsin.incidents.services.timeline import clean_text

from ..models import RunStatus, Scenario

MAX_PAYLOAD = 100_000  # characters of the payload as compact JSON
CHANGEABLE = {"title", "description", "severity", "service", "integration", "payload"}


def _title(value, *, team: Team, exclude: Scenario | None = None) -> str:
    title = clean_text(value, field="title", required=True, max_length=150)
    others = Scenario.objects.filter(team=team, title__iexact=title)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise ValidationFailed(f"{team.name} already has a scenario called {title}", field="title")
    return title


def _integration(integration, *, team: Team) -> Integration:
    if not isinstance(integration, Integration):
        raise ValidationFailed("choose one of the team's integrations", field="integration")
    if integration.team_id != team.pk:
        raise ValidationFailed(
            f"{integration.name} belongs to {integration.team.name}, not {team.name}: "
            "a scenario uses one of its own team's integrations",
            field="integration",
        )
    return integration


def _service(service, *, team: Team) -> Service | None:
    if service is None:
        return None
    if not isinstance(service, Service):
        raise ValidationFailed("choose one of the team's services", field="service")
    if service.team_id != team.pk:
        raise ValidationFailed(
            f"{service.name} is a service of {service.team.name}, not {team.name}",
            field="service",
        )
    return service


def _severity(severity) -> Severity:
    if not isinstance(severity, Severity):
        raise ValidationFailed("choose a severity", field="severity")
    return severity


def parse_payload(integration: Integration, payload) -> list[ParsedAlert]:
    """The alerts the integration's own parser reads in `payload`; at least one, all firing.

    Raises ValidationFailed on the field `payload`, saying what the parser objected to.
    """
    if isinstance(payload, (bytes, str)):
        raise ValidationFailed("the payload is JSON: an object or a list", field="payload")
    try:
        text = json.dumps(payload, separators=(",", ":"))
    except (TypeError, ValueError):
        raise ValidationFailed("the payload is not JSON", field="payload") from None
    if "\\u0000" in text:  # PostgreSQL cannot store NUL characters in JSON
        raise ValidationFailed("the payload must not contain NUL characters", field="payload")
    size = len(text)
    if size > MAX_PAYLOAD:
        raise ValidationFailed(
            f"the payload is {size:,} characters of JSON; at most {MAX_PAYLOAD:,} are allowed",
            field="payload",
        )
    kind = integration.get_kind_display()
    try:
        alerts = registry.parse(integration.kind, payload)
    except PayloadError as error:
        raise ValidationFailed(
            f"the payload is not what {kind} sends: {error.message}", field="payload"
        ) from None
    except registry.UnknownKind as error:
        raise ValidationFailed(str(error), field="integration") from None
    firing = [alert for alert in alerts if alert.action == Action.TRIGGER]
    if not firing:
        raise ValidationFailed(
            f"the payload holds no firing alert for {kind}: a drill needs one to open its incident",
            field="payload",
        )
    if len(firing) < len(alerts):
        others = len(alerts) - len(firing)
        raise ValidationFailed(
            f"the payload holds {others} alert(s) that are resolved or acknowledged: a drill's "
            "payload carries firing alerts only",
            field="payload",
        )
    return alerts


def create_scenario(
    *,
    team: Team,
    title: str,
    severity: Severity,
    integration: Integration,
    payload,
    by: User,
    service: Service | None = None,
    description: str = "",
) -> Scenario:
    """A team's drill scenario: admins and its leads; the payload is parsed before it is kept."""
    ensure_manages_drills(team, by, action="write its drill scenarios")
    integration = _integration(integration, team=team)
    scenario = Scenario(
        team=team,
        title=_title(title, team=team),
        description=clean_text(description, field="description", required=False),
        severity=_severity(severity),
        service=_service(service, team=team),
        integration=integration,
        payload=payload,
        created_by=by,
    )
    parse_payload(integration, payload)
    return _save(scenario)


def _save(scenario: Scenario, **kwargs) -> Scenario:
    try:
        with transaction.atomic():
            scenario.save(**kwargs)
    except IntegrityError:
        raise ValidationFailed(
            f"{scenario.team.name} already has a scenario called {scenario.title}", field="title"
        ) from None
    return scenario


def update_scenario(*, scenario: Scenario, by: User, **changes) -> Scenario:
    """Change some of a scenario's fields; the payload is parsed again against the integration."""
    ensure_manages_drills(scenario.team, by, action="change its drill scenarios")
    unknown = set(changes) - CHANGEABLE
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(f"cannot change {field} of a scenario", field=field)
    team = scenario.team
    if "title" in changes:
        scenario.title = _title(changes["title"], team=team, exclude=scenario)
    if "description" in changes:
        scenario.description = clean_text(
            changes["description"], field="description", required=False
        )
    if "severity" in changes:
        scenario.severity = _severity(changes["severity"])
    if "service" in changes:
        scenario.service = _service(changes["service"], team=team)
    if "integration" in changes:
        scenario.integration = _integration(changes["integration"], team=team)
    if "payload" in changes:
        scenario.payload = changes["payload"]
    parse_payload(scenario.integration, scenario.payload)
    scenario.updated_at = timezone.now()
    return _save(scenario)


def delete_scenario(*, scenario: Scenario, by: User) -> None:
    """Remove a scenario; its past runs stay in the team's history, under its title."""
    ensure_manages_drills(scenario.team, by, action="delete its drill scenarios")
    with transaction.atomic():
        open_run = scenario.runs.filter(status__in=[RunStatus.SCHEDULED, RunStatus.RUNNING]).first()
        if open_run is not None:
            raise Conflict(
                f"drill #{open_run.pk} of {scenario.title} is {open_run.status}: cancel it first"
            )
        scenario.delete()
