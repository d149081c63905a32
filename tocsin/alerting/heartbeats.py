"""Heartbeats: a ping resolves the missed-heartbeat alert; a missed deadline opens one.

Both go through the intake pipeline like any other alert (`ingest`).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .durations import in_minutes
from .ingest import Outcome, ingest
from .models import Alert, AlertStatus, Integration
from .sources import Action, ParsedAlert
from .sources.heartbeat import HEARTBEAT_FINGERPRINT


def record_heartbeat(*, integration: Integration, at: datetime | None = None) -> Outcome:
    """A ping: note the time, and resolve the missed-heartbeat alert if one is open."""
    now = at or timezone.now()
    with transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(last_ping_at=now)
        integration.last_ping_at = now
        missed = Alert.objects.filter(
            integration=integration, fingerprint=HEARTBEAT_FINGERPRINT, status=AlertStatus.FIRING
        ).exists()
        if not missed:
            return Outcome(
                fingerprint=HEARTBEAT_FINGERPRINT, action="ping", decisions=["Heartbeat recorded"]
            )
        [outcome] = ingest(
            integration=integration,
            alerts=[ParsedAlert(fingerprint=HEARTBEAT_FINGERPRINT, action=Action.RESOLVE)],
            received_at=now,
        )
    outcome.decisions.insert(0, "Heartbeat recorded after a missed one")
    return outcome


def check_heartbeats(*, now: datetime | None = None) -> list[Outcome]:
    """Open a missed-heartbeat alert for every heartbeat integration past its deadline."""
    now = now or timezone.now()
    outcomes = []
    candidates = Integration.objects.filter(kind="heartbeat", enabled=True).exclude(
        alerts__fingerprint=HEARTBEAT_FINGERPRINT, alerts__status=AlertStatus.FIRING
    )
    for integration in candidates.select_related("team", "service", "severity"):
        deadline = integration.heartbeat_deadline
        if deadline is None or deadline > now:
            continue
        since = integration.last_ping_at
        summary = f"Heartbeat {integration.name!r} missed: " + (
            f"no ping since {since:%Y-%m-%d %H:%M:%S} UTC" if since else "no ping ever received"
        )
        outcomes += ingest(
            integration=integration,
            alerts=[
                ParsedAlert(
                    fingerprint=HEARTBEAT_FINGERPRINT,
                    action=Action.TRIGGER,
                    summary=summary,
                    description=(
                        f"Expected a ping every {in_minutes(integration.heartbeat_interval)} "
                        f"(grace {in_minutes(integration.heartbeat_grace)})."
                    ),
                    labels={"alertname": "HeartbeatMissed", "heartbeat": integration.name},
                )
            ],
            received_at=now,
        )
    return outcomes
