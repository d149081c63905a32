"""The intake pipeline: each received alert stored, deduplicated, routed, grouped, acted on.

A new alert is routed (`routing.py`) and placed (`grouping.py`: suppressed, or the incident it
joins); a repeat only counts; a resolve or an acknowledgement from the source acts on the
alert's incident. Heartbeats feed this pipeline too (`heartbeats.py`).
"""

import functools
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from tocsin.incidents import services as incidents
from tocsin.incidents.models import Channel, Incident, Status

from . import flapping
from .grouping import note_alert, place
from .models import Alert, AlertEvent, AlertStatus, Integration, RoutingRule
from .routing import Route, route, storm_route
from .sources import Action, ParsedAlert

logger = logging.getLogger(__name__)

# PostgreSQL ends a deadlock by failing one of the transactions in it (SQLSTATE 40P01). Two
# notifications carrying overlapping alerts of one group can lock them in opposite order;
# the failed one was rolled back whole, so it is simply run again.
ATTEMPTS = 3
RETRIED_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


@dataclass
class Outcome:
    """What happened to one parsed alert: for the HTTP answer and the tests."""

    fingerprint: str
    action: str
    alert: Alert | None = None
    incident: Incident | None = None
    decisions: list[str] = field(default_factory=list)


def ingest(
    *,
    integration: Integration,
    alerts: list[ParsedAlert],
    received_at: datetime | None = None,
    storm: Incident | None = None,
) -> list[Outcome]:
    """Store and act on every alert of one request in one transaction.

    When this returns, everything is committed: a 2xx answer promises nothing can be lost.
    Alerts are handled in fingerprint order so concurrent requests lock rows in the same order.
    New alerts are routed before that transaction begins: matching people's patterns never
    holds a lock (on SQLite, the database's one write lock) that every other write waits for.
    During a `storm` (storms.py) new alerts are not routed: they join the storm's incident.
    """
    now = received_at or timezone.now()
    received = []
    for parsed in sorted(alerts, key=lambda a: a.fingerprint):
        sent = parsed.fingerprint
        parsed.fingerprint = stored_fingerprint(sent)
        received.append((sent, parsed))
    routes: dict[str, Route] = {}
    rules = functools.cache(_enabled_rules)  # read once, and only if a new alert needs them
    if storm is None:
        _route_new(integration, [parsed for _, parsed in received], routes, rules)
    failures = 0
    while True:
        try:
            with transaction.atomic():
                return [
                    _ingest_one(integration, sent, parsed, routes, now, storm)
                    for sent, parsed in received
                ]
        except _Unrouted as unrouted:
            # Resolved between the look-up and the transaction (a new alert after all), or its
            # rule deleted meanwhile: route it out here, on fresh rules, and start again.
            if unrouted.stale:
                rules = functools.cache(_enabled_rules)
            routes[unrouted.parsed.fingerprint] = route(integration, unrouted.parsed, rules())
        except OperationalError as error:
            sqlstate = getattr(error.__cause__, "sqlstate", None)
            failures += 1
            # Inside a caller's transaction the failure is the caller's to handle.
            if (
                sqlstate not in RETRIED_SQLSTATES
                or failures == ATTEMPTS
                or transaction.get_connection().in_atomic_block
            ):
                raise
            logger.warning(
                "Intake for %s: %s (SQLSTATE %s); trying again (attempt %d of %d)",
                integration.name,
                str(error).splitlines()[0],
                sqlstate,
                failures + 1,
                ATTEMPTS,
            )


class _Unrouted(Exception):
    """A firing alert turned out to be new inside the transaction with no route decided, or
    with a route whose rule has been deleted since (`stale`)."""

    def __init__(self, parsed: ParsedAlert, *, stale: bool = False):
        super().__init__(parsed.fingerprint)
        self.parsed, self.stale = parsed, stale


# Fingerprints looked up at once; well under every database's limit of bound parameters.
LOOKUP_BATCH = 500


def _route_new(integration, parsed_alerts, routes: dict, rules) -> None:
    """Decide the route of each firing alert that has no open alert yet (a repeat keeps the
    route it was given), without a transaction: nothing is locked while rules are matched."""
    triggers = [p for p in parsed_alerts if p.action == Action.TRIGGER]
    open_now = set()
    for start in range(0, len(triggers), LOOKUP_BATCH):
        batch = [p.fingerprint for p in triggers[start : start + LOOKUP_BATCH]]
        open_now.update(
            Alert.objects.filter(
                integration=integration, fingerprint__in=batch, status=AlertStatus.FIRING
            ).values_list("fingerprint", flat=True)
        )
    for parsed in triggers:
        if parsed.fingerprint not in open_now and parsed.fingerprint not in routes:
            routes[parsed.fingerprint] = route(integration, parsed, rules())


def _enabled_rules() -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(enabled=True).select_related("team", "service", "severity")
    )


def _open_alert(integration: Integration, fingerprint: str) -> Alert | None:
    # At most one row (a unique constraint): no ORDER BY, which costs more to build than to run.
    found = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("incident")
        .filter(integration=integration, fingerprint=fingerprint, status=AlertStatus.FIRING)
        .order_by()[:1]
    )
    return next(iter(found), None)


FINGERPRINT_MAX = 200


def stored_fingerprint(fingerprint: str) -> str:
    """Keys longer than the column are stored as their hash: the same key, the same alert."""
    if len(fingerprint) <= FINGERPRINT_MAX:
        return fingerprint
    return "sha256:" + hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()


def _ingest_one(integration, sent: str, parsed: ParsedAlert, routes, now, storm) -> Outcome:
    outcome = Outcome(fingerprint=sent, action=parsed.action)
    if parsed.action == Action.TRIGGER:
        _trigger(integration, parsed, routes, now, outcome, storm)
    elif parsed.action == Action.RESOLVE:
        _resolve(integration, parsed, now, outcome)
    else:
        _acknowledge(integration, parsed, outcome)
    AlertEvent.objects.create(
        integration=integration,
        alert=outcome.alert,
        received_at=now,
        action=parsed.action,
        decisions=outcome.decisions,
        payload=parsed.raw,
    )
    return outcome


REFRESHED_FIELDS = (
    "summary",
    "description",
    "source",
    "source_severity",
    "labels",
    "annotations",
    "links",
    "payload",
)


def refresh_alert(alert: Alert, parsed: ParsedAlert) -> None:
    """Copy what a repeat may change from `parsed` to `alert`."""
    alert.summary = (parsed.summary or parsed.fingerprint)[: Alert.summary.field.max_length]
    alert.description = parsed.description
    alert.source = parsed.source[:255]
    alert.source_severity = parsed.severity[:50]
    alert.labels, alert.annotations, alert.links = parsed.labels, parsed.annotations, parsed.links
    alert.payload = parsed.raw


def _trigger(integration, parsed: ParsedAlert, routes, now, outcome: Outcome, storm=None) -> None:
    alert = _open_alert(integration, parsed.fingerprint)
    if alert is None and (
        alert := flapping.fire_again(
            integration, routes.get(parsed.fingerprint), parsed.fingerprint, now
        )
    ):
        refresh_alert(alert, parsed)
        alert.save(update_fields=REFRESHED_FIELDS)
        outcome.alert, outcome.incident = alert, alert.incident
        outcome.decisions.append(
            f"Fired again while flapping (since {alert.flapping_since:%H:%M:%S} UTC): "
            f"{alert.incident.reference} stays open: no reopen, no page"
        )
        return
    if alert is None and storm is not None:
        decided = storm_route(integration, storm)
    elif alert is None:
        decided = routes.get(parsed.fingerprint)
    if alert is None:
        if decided is None:
            raise _Unrouted(parsed)
        # Rules were read before the transaction; on SQLite nothing can delete one after this.
        if decided.rule and not RoutingRule.objects.filter(pk=decided.rule.pk).exists():
            raise _Unrouted(parsed, stale=True)
        alert = Alert(
            integration=integration,
            fingerprint=parsed.fingerprint,
            first_seen_at=parsed.starts_at if parsed.starts_at and parsed.starts_at < now else now,
            last_seen_at=now,
            team=decided.team,
            service=decided.service,
            severity=decided.severity,
            runbook_url=decided.runbook_url,
            rule=decided.rule,
            grouping_key=decided.grouping_key,
            test=parsed.test,
        )
        refresh_alert(alert, parsed)
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            # Another request created the same alert a moment ago: this one is a repeat.
            alert = _open_alert(integration, parsed.fingerprint)
        else:
            outcome.alert = alert
            outcome.decisions.extend(decided.reasons)
            if storm is not None:
                alert.incident = outcome.incident = storm
                alert.save(update_fields=["incident"])
                return
            outcome.incident = place(alert, decided, integration, now, outcome.decisions)
            return
    outcome.alert = alert
    alert.count += 1
    alert.last_seen_at = now
    refresh_alert(alert, parsed)
    alert.save(update_fields=["count", "last_seen_at", *REFRESHED_FIELDS])
    outcome.decisions.append(
        f"Deduplicated: same fingerprint as the open alert, now seen {alert.count} times"
    )
    if alert.incident_id:
        outcome.incident = alert.incident
        outcome.decisions.append(f"Still part of {alert.incident.reference}")


def _resolve(integration, parsed: ParsedAlert, now, outcome: Outcome) -> None:
    alert = _open_alert(integration, parsed.fingerprint)
    if alert is None:
        outcome.decisions.append("No open alert with this fingerprint: nothing to resolve")
        return
    outcome.alert = alert
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = parsed.ends_at if parsed.ends_at and parsed.ends_at <= now else now
    alert.last_seen_at = now
    changed = ["status", "resolved_at", "last_seen_at"]
    if parsed.labels or parsed.summary:
        refresh_alert(alert, parsed)
        changed += REFRESHED_FIELDS
    alert.save(update_fields=changed)
    outcome.decisions.append("Alert resolved at its source")
    incident = alert.incident
    if incident is None or not incident.is_open:
        return
    if incident.team_id != alert.team_id:
        outcome.decisions.append(_not_its_team(incident, alert))
        return
    outcome.incident = incident
    system = integration.actor_name
    if alert.flapping_since is None:  # a flapping alert resolves and fires again silently
        note_alert(incident, alert, system, "resolved")
        flapping.check(incident, alert, now, system)
    still_firing = _firing(incident)
    if not still_firing:
        # Count again under the incident's lock, which an alert joining it holds too: one that
        # joined a moment ago keeps it open; one arriving later finds it resolved and reopens it.
        incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
        outcome.incident = incident
        if not incident.is_open:
            return
        still_firing = _firing(incident)
    if still_firing:
        outcome.decisions.append(f"{incident.reference} stays open: {still_firing} alert(s) firing")
    elif not integration.auto_resolve:
        outcome.decisions.append(f"{incident.reference} stays open: auto-resolve is off")
    elif integration.storm_started_at and incident.pk == integration.storm_incident_id:
        outcome.decisions.append(f"{incident.reference} stays open until the storm is over")
    elif held := flapping.keeps_open(incident, now):
        outcome.decisions.append(held)
    else:
        total = incident.alerts.count()
        incidents.resolve(
            incident=incident,
            by=None,
            via=Channel.INTEGRATION,
            system=system,
            resolution=f"All {total} alert(s) resolved at the source",
        )
        outcome.decisions.append(f"Resolved {incident.reference}: all of its alerts resolved")


def _firing(incident: Incident) -> int:
    """The incident's alerts still firing: its own team's, so that an alert that joined another
    team's incident before grouping was per team never keeps that incident open."""
    return incident.alerts.filter(status=AlertStatus.FIRING, team_id=incident.team_id).count()


def _not_its_team(incident: Incident, alert: Alert) -> str:
    return (
        f"{incident.reference} belongs to {incident.team.name}, not {alert.team.name}: "
        "this alert does not act on it"
    )


def _acknowledge(integration, parsed: ParsedAlert, outcome: Outcome) -> None:
    alert = _open_alert(integration, parsed.fingerprint)
    if alert is None or alert.incident is None:
        outcome.decisions.append("No open incident for this alert: nothing to acknowledge")
        outcome.alert = alert
        return
    if alert.incident.team_id != alert.team_id:
        outcome.alert = alert
        outcome.decisions.append(_not_its_team(alert.incident, alert))
        return
    outcome.alert, outcome.incident = alert, alert.incident
    if alert.incident.status != Status.TRIGGERED:
        outcome.decisions.append(f"{alert.incident.reference} is already {alert.incident.status}")
        return
    incidents.acknowledge(
        incident=alert.incident, by=None, via=Channel.INTEGRATION, system=integration.actor_name
    )
    outcome.decisions.append(f"Acknowledged {alert.incident.reference} at the source's request")
