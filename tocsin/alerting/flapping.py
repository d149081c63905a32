"""Flapping (docs/incidents.md#flapping): an alert that keeps resolving and firing again keeps
its incident open instead of resolving and reopening it, so nobody is paged or mailed for every
turn; once it has stayed resolved for a quiet period, a periodic job resolves the incident.

State changes are counted among the incident's alerts with the same fingerprint: each alert
row fired once (`first_seen_at`) and resolved at most once (`resolved_at`). From the moment an
alert is flapping its row is reused: it fires again and resolves again in place, silently.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from tocsin.errors import DomainError
from tocsin.incidents import services as incidents
from tocsin.incidents.models import OPEN_STATUSES, Channel, Event, Incident

from .durations import in_minutes
from .grouping import incident_key
from .models import Alert, AlertStatus, Integration
from .routing import Route

logger = logging.getLogger(__name__)

# Fired, resolved, fired again and resolved again within 10 minutes: flapping. The second
# resolution is the one held, so the incident stays open before it could reopen a second time.
FLAPPING_CHANGES = 4
FLAPPING_WINDOW = timedelta(minutes=10)
# How long a flapping alert must stay resolved before its incident resolves.
QUIET_PERIOD = timedelta(minutes=10)


def state_changes(incident: Incident, alert: Alert, now: datetime) -> int:
    """How often `alert` fired or resolved within FLAPPING_WINDOW before `now`, in `incident`."""
    since = now - FLAPPING_WINDOW
    counts = Alert.objects.filter(
        incident=incident, integration_id=alert.integration_id, fingerprint=alert.fingerprint
    ).aggregate(
        fired=Count("pk", filter=Q(first_seen_at__gte=since)),
        resolved=Count("pk", filter=Q(resolved_at__gte=since)),
    )
    return counts["fired"] + counts["resolved"]


def check(incident: Incident, alert: Alert, now: datetime, system: str) -> bool:
    """Mark `alert` flapping if it changed state too often lately; the timeline says so once."""
    if alert.flapping_since is not None:
        return True
    changes = state_changes(incident, alert, now)
    if changes < FLAPPING_CHANGES:
        return False
    alert.flapping_since = now
    alert.save(update_fields=["flapping_since"])
    incidents.record(
        incident,
        Event.ALERT,
        actor=None,
        via=Channel.INTEGRATION,
        system=system,
        message=(
            f"Alert flapping: {alert.summary} changed state {changes} times within "
            f"{in_minutes(FLAPPING_WINDOW)}. {incident.reference} stays open instead of "
            f"resolving and reopening with every change; it resolves once the alert has stayed "
            f"resolved for {in_minutes(QUIET_PERIOD)}."
        ),
        data={
            "alert": alert.pk,
            "fingerprint": alert.fingerprint,
            "status": alert.status,
            "flapping": True,
        },
    )
    return True


def still_flapping(incident: Incident, now: datetime):
    """The incident's own team's alerts that are flapping and not yet quiet."""
    return incident.alerts.filter(
        Q(status=AlertStatus.FIRING) | Q(resolved_at__gt=now - QUIET_PERIOD),
        flapping_since__isnull=False,
        team_id=incident.team_id,
    )


def keeps_open(incident: Incident, now: datetime) -> str:
    """Why `incident` stays open although its last firing alert resolved ("" if it does not)."""
    flapping = still_flapping(incident, now).order_by("flapping_since").first()
    if flapping is None:
        return ""
    return (
        f"{incident.reference} stays open: {flapping.summary} is flapping (since "
        f"{flapping.flapping_since:%H:%M:%S} UTC); it resolves once its alerts have stayed "
        f"resolved for {in_minutes(QUIET_PERIOD)}"
    )


def fire_again(integration: Integration, route: Route | None, fingerprint: str, now: datetime):
    """The flapping alert with this fingerprint firing again in the open incident its route
    leads to: the same row, firing, in the same incident, with nothing else happening. None
    when there is none (or its route now suppresses it): the alert is placed as a new one."""
    if route is None or route.suppress:
        return None
    # Through the team's open incident for the key (an index), not the integration's history;
    # locked, as an alert joining it locks it, so that it cannot be resolved meanwhile.
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .filter(
            team_id=route.team.pk,
            grouping_key=incident_key(route.team.pk, route.grouping_key),
            status__in=OPEN_STATUSES,
        )
        .order_by()
        .first()
    )
    if incident is None:
        return None
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .filter(
            incident=incident,
            integration=integration,
            fingerprint=fingerprint,
            status=AlertStatus.RESOLVED,
            flapping_since__isnull=False,
            team_id=incident.team_id,
        )
        .order_by("-id")
        .first()
    )
    if alert is None:
        return None
    alert.incident = incident
    alert.status, alert.resolved_at = AlertStatus.FIRING, None
    alert.count += 1
    alert.last_seen_at = now
    try:
        with transaction.atomic():
            alert.save(update_fields=["status", "resolved_at", "count", "last_seen_at"])
    except IntegrityError:
        # Another request opened a new alert with this fingerprint a moment ago: a repeat of it.
        return None
    return alert


def resolve_quiet_incidents(now: datetime | None = None) -> int:
    """Resolve the incidents that only their flapping alerts kept open, once those have stayed
    resolved for QUIET_PERIOD; forget the flapping of alerts that are quiet. Returns how many
    incidents were resolved."""
    now = now or timezone.now()
    quiet = Alert.objects.filter(
        flapping_since__isnull=False,
        status=AlertStatus.RESOLVED,
        resolved_at__lte=now - QUIET_PERIOD,
        incident__status__in=OPEN_STATUSES,
    )
    resolved = 0
    for incident_id in set(quiet.values_list("incident_id", flat=True)):
        try:
            resolved += _resolve_when_quiet(incident_id, now)
        except DomainError:
            # One incident that cannot be resolved must not keep the others open; a database
            # error is the worker's to wait out.
            logger.exception("Flapping: could not resolve incident %s", incident_id)
    return resolved


def _resolve_when_quiet(incident_id: int, now: datetime) -> bool:
    with transaction.atomic():
        # The incident first, then its alerts: the order an alert firing again takes them in.
        incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident_id)
        alerts = list(
            Alert.objects.select_for_update(of=("self",))
            .select_related("integration")
            .filter(
                incident_id=incident_id,
                flapping_since__isnull=False,
                status=AlertStatus.RESOLVED,
                resolved_at__lte=now - QUIET_PERIOD,
            )
        )
        if not alerts:
            return False
        latest = incident.alerts.filter(flapping_since__isnull=False).aggregate(
            latest=Max("flapping_since")
        )["latest"]
        # Resolved by somebody since it last started flapping (and maybe reopened): that stands.
        settled = incident.timeline.filter(kind=Event.RESOLVED, at__gte=latest).exists()
        Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(flapping_since=None)
        if settled or not incident.is_open:
            return False
        if incident.alerts.filter(status=AlertStatus.FIRING, team_id=incident.team_id).exists():
            return False
        if still_flapping(incident, now).exists():
            return False
        integration = max(alerts, key=lambda alert: alert.resolved_at).integration
        if not integration.auto_resolve:
            return False
        last = incident.alerts.aggregate(last=Max("resolved_at"))["last"]
        incidents.resolve(
            incident=incident,
            by=None,
            via=Channel.INTEGRATION,
            system=integration.actor_name,
            resolution=(
                f"Its alerts stopped flapping: resolved for {in_minutes(QUIET_PERIOD)} "
                f"(last at {last:%H:%M:%S} UTC)"
            ),
        )
        return True
