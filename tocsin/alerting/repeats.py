"""Repeats within one batch of intake events, acted on together.

Most of what a busy integration sends is the same firing alerts again. Within a batch, an alert
that is firing when the batch starts and that the batch only ever triggers again (no resolution
or acknowledgement of it among the batch's events) changes nothing but its own row: its count,
when it was last seen and its details. Those repeats are counted together: one look-up for the
batch, one UPDATE per alert and one INSERT for all of their event-log lines, instead of a lock,
an update and an insert for every repeat. What each repeat is told (its decisions) is the same
as one at a time.
"""

from collections import defaultdict

from .ingest import LOOKUP_BATCH, REFRESHED_FIELDS, refresh_alert, stored_fingerprint
from .models import Alert, AlertEvent, AlertStatus, Integration
from .sources import Action, ParsedAlert


class Repeats:
    def __init__(self, integration: Integration, batch: list[list[ParsedAlert]]):
        self.integration = integration
        actions: dict[str, set[str]] = defaultdict(set)
        for alerts in batch:
            for parsed in alerts:
                actions[stored_fingerprint(parsed.fingerprint)].add(parsed.action)
        only_triggered = sorted(fp for fp, done in actions.items() if done == {Action.TRIGGER})
        self.firing: dict[str, Alert] = {}
        for start in range(0, len(only_triggered), LOOKUP_BATCH):
            found = (
                Alert.objects.select_for_update(of=("self",))
                .select_related("incident")
                .filter(
                    integration=integration,
                    fingerprint__in=only_triggered[start : start + LOOKUP_BATCH],
                    status=AlertStatus.FIRING,
                )
                .order_by()
            )
            self.firing.update((alert.fingerprint, alert) for alert in found)
        self.seen: list[tuple[Alert, ParsedAlert, object]] = []

    def take(self, alerts: list[ParsedAlert], received_at) -> list[ParsedAlert]:
        """Note the event's repeats; the rest of its alerts, to be acted on one by one."""
        if not self.firing:
            return alerts
        rest = []
        for parsed in alerts:
            alert = self.firing.get(stored_fingerprint(parsed.fingerprint))
            if alert is None:
                rest.append(parsed)
            else:
                self.seen.append((alert, parsed, received_at))
        return rest

    def save(self) -> None:
        """Write every repeat noted: each alert once, then all of their event-log lines."""
        lines, changed = [], {}
        for alert, parsed, received_at in self.seen:
            alert.count += 1
            alert.last_seen_at = received_at
            refresh_alert(alert, parsed)
            changed[alert.pk] = alert
            decisions = [
                f"Deduplicated: same fingerprint as the open alert, now seen {alert.count} times"
            ]
            if alert.incident_id:
                decisions.append(f"Still part of {alert.incident.reference}")
            lines.append(
                AlertEvent(
                    integration=self.integration,
                    alert=alert,
                    received_at=received_at,
                    action=parsed.action,
                    decisions=decisions,
                    payload=parsed.raw,
                )
            )
        for alert in changed.values():
            alert.save(update_fields=["count", "last_seen_at", *REFRESHED_FIELDS])
        AlertEvent.objects.bulk_create(lines, batch_size=LOOKUP_BATCH)
