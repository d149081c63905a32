"""Prometheus Alertmanager webhook receiver (payload "version": "4").

Alertmanager posts one notification per alert group: `{"status", "alerts": [...],
"groupLabels", "commonLabels", "externalURL", "groupKey", "truncatedAlerts", ...}`.
Each entry of `alerts` becomes one ParsedAlert, and its action comes from that alert's own
`status`, never the group's: a group whose top-level status is "firing" may carry alerts that
are already resolved.

- fingerprint: the alert's `fingerprint` (Alertmanager's hash of its label set), or, when a
  sender leaves it out, `fingerprint_of(labels)`.
- summary: `annotations.summary`, else `labels.alertname`; description: `annotations.description`.
- severity: `labels.severity`; source: `labels.instance`, else `labels.job`.
- links: `generatorURL` ("Source") and `annotations.runbook_url` ("Runbook"), when not empty.
- starts_at / ends_at: `startsAt` / `endsAt`; Go's zero time "0001-01-01T00:00:00Z" means none.
"""

from typing import Any

from . import Action, AlertStatus, ParsedAlert, PayloadError, fingerprint_of
from ._fields import array, body_object, item_object, path, shown, string, string_map, timestamp

ALERTMANAGER_LINKS = (("generatorURL", "Source"),)


def parse(payload: Any) -> list[ParsedAlert]:
    return parse_alerts(payload, links=ALERTMANAGER_LINKS)


def parse_alerts(payload: Any, *, links: tuple[tuple[str, str], ...]) -> list[ParsedAlert]:
    """The Alertmanager notification shape, shared with Grafana; `links` are (alert key, text)."""
    body = body_object(payload)
    alerts = array(body, "alerts", "alerts", required=True)
    return [parse_alert(alert, path("alerts", index), links) for index, alert in enumerate(alerts)]


def parse_alert(alert: Any, where: str, links: tuple[tuple[str, str], ...]) -> ParsedAlert:
    alert = item_object(alert, where)
    status = alert.get("status")
    if status not in (AlertStatus.FIRING, AlertStatus.RESOLVED):
        field = path(where, "status")
        raise PayloadError(
            f"'{field}' must be 'firing' or 'resolved', not {shown(status)}", field=field
        )
    labels = string_map(alert, "labels", path(where, "labels"), required=True)
    annotations = string_map(alert, "annotations", path(where, "annotations"))
    fingerprint = string(alert, "fingerprint", path(where, "fingerprint")).strip()
    fingerprint = fingerprint or fingerprint_of(labels)

    alert_links = []
    for key, label in links:
        href = string(alert, key, path(where, key))
        if href:
            alert_links.append({"href": href, "text": label})
    if annotations.get("runbook_url"):
        alert_links.append({"href": annotations["runbook_url"], "text": "Runbook"})

    return ParsedAlert(
        fingerprint=fingerprint,
        action=Action.RESOLVE if status == AlertStatus.RESOLVED else Action.TRIGGER,
        summary=annotations.get("summary") or labels.get("alertname", ""),
        description=annotations.get("description", ""),
        source=labels.get("instance") or labels.get("job", ""),
        severity=labels.get("severity", ""),
        labels=labels,
        annotations=annotations,
        links=alert_links,
        starts_at=timestamp(alert.get("startsAt"), path(where, "startsAt")),
        ends_at=timestamp(alert.get("endsAt"), path(where, "endsAt")),
        raw=alert,
    )
