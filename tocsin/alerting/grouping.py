"""Where a new alert goes: suppressed (by its rule or a maintenance window), or into the open
incident for its grouping key, a recently resolved one reopened, or a new incident declared.

Called by `ingest` inside its transaction; every decision is written down for the alert's page.
"""

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.incidents import services as incidents
from tocsin.incidents.models import OPEN_STATUSES, Channel, Event, Incident, Source, Status

from .durations import in_minutes
from .models import Alert, MaintenanceWindow
from .routing import Route


def place(alert: Alert, decided: Route, integration, now, decisions: list[str]) -> Incident | None:
    """Suppress the new alert, or attach it to the incident for its grouping key (returned)."""
    if decided.suppress:
        alert.suppressed_reason = (
            f"Suppressed by rule #{decided.rule.position} {decided.rule.name!r}"
        )
    elif window := _maintenance(alert, now):
        alert.suppressed_by = window
        alert.suppressed_reason = (
            f"Suppressed: {window.service} is in maintenance ({window.reason}) until "
            f"{window.ends_at:%Y-%m-%d %H:%M} UTC"
        )
    if alert.suppressed_reason:
        alert.save(update_fields=["suppressed_by", "suppressed_reason"])
        decisions.append(alert.suppressed_reason + "; no incident, no page")
        return None
    incident = _incident_for(alert, integration, decisions)
    alert.incident = incident
    alert.save(update_fields=["incident"])
    return incident


def _maintenance(alert: Alert, now) -> MaintenanceWindow | None:
    if alert.service_id is None:
        return None
    return (
        MaintenanceWindow.objects.in_effect(now)
        .select_related("service")
        .filter(service_id=alert.service_id)
        .first()
    )


# The column the incidents' key is kept in; alerting's keys fit it with their team in front.
KEY_MAX_LENGTH = Incident._meta.get_field("grouping_key").max_length


def incident_key(team_id: int, key: str) -> str:
    """What an incident stores for the alerts' grouping `key`: the key within its team.

    Grouping is per team: the database's one open incident per stored key is then one per team
    and key, and no alert can reach another team's incident through a key (a borrowed service,
    a literal key in a rule). Migration 0006 wrote the incidents opened before in this form.
    """
    scoped = f"team-{team_id}:{key}"
    if len(scoped) <= KEY_MAX_LENGTH:
        return scoped
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"team-{team_id}:sha256:{digest}"


def _open_incident(team_id: int, key: str, *, required: bool = False) -> Incident | None:
    """The team's open incident for `key`, locked: an alert joins an incident and the incident's
    last alert resolves it one at a time (see `ingest._resolve`), or the joining alert could land
    on an incident that has just been resolved without it."""
    query = (
        Incident.objects.select_for_update(of=("self",))
        .filter(team_id=team_id, grouping_key=key, status__in=OPEN_STATUSES)
        .order_by()  # at most one (a unique constraint)
    )
    return query.get() if required else next(iter(query[:1]), None)


def _recently_resolved(team_id: int, key: str, window: timedelta) -> Incident | None:
    """The team's incident for `key` resolved less than `window` ago, locked; never with a
    window of 0.

    Locked, so that of several alerts arriving together only one reopens it: the others wait,
    no longer find it resolved, and join it through the constraint in `_incident_for`. The
    window is measured once the lock is held: the incident may have been resolved while this
    alert waited for it, after the alert arrived.
    """
    if window <= timedelta(0):
        return None
    candidate = (
        Incident.objects.select_for_update(of=("self",))
        .filter(
            team_id=team_id,
            grouping_key=key,
            status=Status.RESOLVED,
            # A superset of what qualifies below: the clock only moves on while we wait.
            resolved_at__gte=timezone.now() - window,
        )
        .order_by("-resolved_at")
        .first()
    )
    if candidate is None or candidate.resolved_at < timezone.now() - window:
        return None
    return candidate


def _incident_for(alert: Alert, integration, decisions: list[str]) -> Incident:
    key = alert.grouping_key  # as people see it; the incident stores it within the team
    stored, team_id = incident_key(alert.team_id, key), alert.team_id
    system = integration.actor_name
    incident = _open_incident(team_id, stored)
    if incident is not None:
        decisions.append(
            f"Grouped into {incident.reference}, already open for grouping key {key!r}"
        )
        if incident.acknowledged_at is not None:
            owner = incident.acknowledged_by or "its source"
            decisions.append(f"{incident.reference} is already acknowledged by {owner}")
        note_alert(incident, alert, system, "joined")
        return incident
    recent = _recently_resolved(team_id, stored, integration.reopen_window)
    if recent is not None:
        window = in_minutes(integration.reopen_window)
        incident = incidents.reopen(
            incident=recent,
            by=None,
            via=Channel.INTEGRATION,
            system=system,
            reason=f"{alert.summary} fired again within {window}",
        )
        decisions.append(
            f"Reopened {incident.reference}: resolved less than {window} ago, same grouping key"
        )
        note_alert(incident, alert, system, "reopened the incident")
        return incident
    try:
        with transaction.atomic():
            incident = incidents.declare(
                title=alert.summary[:200],
                description=_incident_description(alert),
                severity=alert.severity,
                team=alert.team,
                services=[alert.service] if alert.service else [],
                by=None,
                via=Channel.INTEGRATION,
                system=system,
                source=Source.ALERT,
                grouping_key=stored,
                drill=alert.test,
            )
    except IntegrityError:
        # A concurrent request opened the incident for this key first: join it.
        incident = _open_incident(team_id, stored, required=True)
        decisions.append(f"Grouped into {incident.reference} (grouping key {key!r})")
        note_alert(incident, alert, system, "joined")
        return incident
    decisions.append(f"Opened {incident.reference} (grouping key {key!r})")
    note_alert(incident, alert, system, "opened the incident")
    return incident


def note_alert(incident: Incident, alert: Alert, system: str, verb: str) -> None:
    incidents.record(
        incident,
        Event.ALERT,
        actor=None,
        via=Channel.INTEGRATION,
        system=system,
        message=f"Alert {verb}: {alert.summary}",
        data={"alert": alert.pk, "fingerprint": alert.fingerprint, "status": alert.status},
    )


def _incident_description(alert: Alert) -> str:
    lines = [alert.description] if alert.description else []
    if alert.source:
        lines.append(f"Source: {alert.source}")
    if alert.runbook_url:
        lines.append(f"Runbook: {alert.runbook_url}")
    return "\n".join(lines)
