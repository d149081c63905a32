"""Alert storms: more alerts in a minute than an integration's limit, handled as one incident.

A data centre that goes dark sends thousands of alerts a minute; each opening an incident of its
own would page the on-call person a thousand times. Every alert is still accepted and stored
(intake.py refuses nothing at the limit), but from the event that takes the last minute past
`Integration.rate_limit_per_minute` (counting alerts, not requests) the integration is in a
storm: its new alerts join one storm incident instead of being routed one by one. That incident
is the integration's team's incident opened from it in the last minute, if there is one (the
storm began there), or else a new one of the most severe rung of the ladder, so the team is
paged once for the storm. The incident's title keeps the count; its repeats and resolutions
act on their alerts as usual, but it does not resolve while the storm lasts.

The storm is over when a whole minute has passed under the limit (`end_storms`, run by the
worker): its incident resolves by itself, saying how many alerts it took in.
"""

from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from tocsin.incidents import services as incidents
from tocsin.incidents.models import OPEN_STATUSES, Channel, Event, Incident, Severity, Source

from .ingest import LOOKUP_BATCH, refresh_alert, stored_fingerprint
from .models import Alert, AlertEvent, AlertStatus, IntakeEvent, Integration
from .routing import storm_route
from .sources import Action, ParsedAlert

WINDOW = timedelta(minutes=1)


def alerts_in_window(integration: Integration, *, since) -> int:
    """The alerts `integration` has sent since `since`: those acted on, and those waiting."""
    received = IntakeEvent.objects.filter(integration=integration, received_at__gt=since)
    return received.aggregate(total=Sum("alert_count"))["total"] or 0


def storm_for(integration: Integration, event: IntakeEvent, *, counted: int) -> Incident | None:
    """The storm incident the new alerts of `event` join; None when the integration is under
    its limit. `counted` is `alerts_in_window` since a minute before the event: what arrived in
    that minute and what has arrived since and waits, so that a worker behind a storm sees it
    coming from its first event. Starts the storm (in the caller's transaction) when this event
    is the first past the limit."""
    if event.alert_count == 0:
        return None
    if integration.storm_started_at is None and counted <= integration.rate_limit_per_minute:
        return None
    storm = _current(integration)
    if storm is None:
        storm = _start(integration, event, counted)
    _count(integration, storm, counted)
    return storm


def _current(integration: Integration) -> Incident | None:
    if integration.storm_started_at is None or integration.storm_incident_id is None:
        return None
    return (
        Incident.objects.select_for_update(of=("self",))
        .filter(pk=integration.storm_incident_id, status__in=OPEN_STATUSES)
        .first()
    )


def _start(integration: Integration, event: IntakeEvent, counted: int) -> Incident:
    now = event.received_at
    system = integration.actor_name
    began_in = (
        Incident.objects.filter(
            team=integration.team,
            source=Source.ALERT,
            status__in=OPEN_STATUSES,
            reported_at__gte=now - WINDOW,
            alerts__integration=integration,
        )
        .order_by("-reported_at")
        .first()
    )
    if began_in is not None:
        storm = began_in
        incidents.record(
            storm,
            Event.ALERT,
            actor=None,
            via=Channel.INTEGRATION,
            system=system,
            message=(
                f"Alert storm: {integration.name} sent more than "
                f"{integration.rate_limit_per_minute} alerts in a minute; its new alerts join "
                "this incident until the storm is over"
            ),
        )
    else:
        storm = incidents.declare(
            title=storm_title(integration, counted),
            description=(
                f"{integration.name} sent more than {integration.rate_limit_per_minute} alerts "
                "in a minute. Its new alerts join this incident until a whole minute passes "
                "under that limit; then it resolves by itself. Every alert is kept: see the "
                "alerts below."
            ),
            severity=Severity.objects.order_by("rank").first(),
            team=integration.team,
            services=[integration.service] if integration.service else [],
            by=None,
            via=Channel.INTEGRATION,
            system=system,
            source=Source.ALERT,
        )
    Integration.objects.filter(pk=integration.pk).update(storm_started_at=now, storm_incident=storm)
    integration.storm_started_at, integration.storm_incident = now, storm
    return storm


def join_storm(
    integration: Integration, storm: Incident, alerts: list[ParsedAlert], now
) -> list[ParsedAlert]:
    """Store the event's new firing alerts as the storm incident's, a few statements for all of
    them; the rest (repeats, resolutions, acknowledgements, a fingerprint named twice), to be
    acted on one by one as usual."""
    stored = [stored_fingerprint(parsed.fingerprint) for parsed in alerts]
    named = Counter(stored)
    candidates = {
        fingerprint
        for fingerprint, parsed in zip(stored, alerts, strict=True)
        if parsed.action == Action.TRIGGER and named[fingerprint] == 1
    }
    open_now = set()
    ordered = sorted(candidates)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        open_now.update(
            Alert.objects.filter(
                integration=integration,
                fingerprint__in=ordered[start : start + LOOKUP_BATCH],
                status=AlertStatus.FIRING,
            ).values_list("fingerprint", flat=True)
        )
    route = storm_route(integration, storm)
    new, rest = [], []
    for fingerprint, parsed in zip(stored, alerts, strict=True):
        if fingerprint not in candidates or fingerprint in open_now:
            rest.append(parsed)
            continue
        alert = Alert(
            integration=integration,
            fingerprint=fingerprint,
            first_seen_at=parsed.starts_at if parsed.starts_at and parsed.starts_at < now else now,
            last_seen_at=now,
            team=route.team,
            service=route.service,
            severity=route.severity,
            test=parsed.test,
            incident=storm,
        )
        refresh_alert(alert, parsed)
        new.append((alert, parsed))
    if new:
        Alert.objects.bulk_create([alert for alert, _ in new], batch_size=LOOKUP_BATCH)
        AlertEvent.objects.bulk_create(
            [
                AlertEvent(
                    integration=integration,
                    alert=alert,
                    received_at=now,
                    action=parsed.action,
                    decisions=route.reasons,
                    payload=parsed.raw,
                )
                for alert, parsed in new
            ],
            batch_size=LOOKUP_BATCH,
        )
    return rest


def storm_title(integration: Integration, counted: int) -> str:
    return f"Alert storm: {counted} alerts in 60 s from {integration.name}"[:200]


def _count(integration: Integration, storm: Incident, counted: int) -> None:
    """Keep the largest minute so far in the title of a storm incident Tocsin opened."""
    if not storm.title.startswith("Alert storm: "):
        return
    shown = storm.title.removeprefix("Alert storm: ").split(" ", 1)[0]
    if shown.isdigit() and int(shown) >= counted:
        return
    storm.title = storm_title(integration, counted)
    Incident.objects.filter(pk=storm.pk).update(title=storm.title)


def end_storms(*, now=None) -> int:
    """Resolve the storm incidents of integrations that spent the last whole minute under their
    limit; the storms ended. The worker runs it."""
    now = now or timezone.now()
    ended = 0
    for integration in Integration.objects.filter(storm_started_at__lte=now - WINDOW):
        if alerts_in_window(integration, since=now - WINDOW) > integration.rate_limit_per_minute:
            continue
        with transaction.atomic():
            locked = (
                Integration.objects.select_for_update()
                .filter(pk=integration.pk, storm_started_at=integration.storm_started_at)
                .first()
            )
            if locked is None:
                continue  # another worker ended it
            storm = _current(locked)
            Integration.objects.filter(pk=locked.pk).update(
                storm_started_at=None, storm_incident=None
            )
            ended += 1
            if storm is None:
                continue
            alerts = storm.alerts.aggregate(
                total=Count("id"), firing=Count("id", filter=Q(status="firing"))
            )
            still = f"; {alerts['firing']} still firing" if alerts["firing"] else ""
            incidents.resolve(
                incident=storm,
                by=None,
                via=Channel.INTEGRATION,
                system=locked.actor_name,
                resolution=(
                    f"The alert storm is over: a whole minute under {locked.rate_limit_per_minute}"
                    f" alerts. {alerts['total']} alert(s) joined this incident{still}."
                ),
            )
    return ended
