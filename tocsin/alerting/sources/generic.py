"""Tocsin's own JSON alert shape, for scripts, cron jobs and tools without a dedicated parser.

    {
      "title": "Replica lag above 60 s on db-2",        required to fire
      "status": "firing" | "resolved",                  default "firing"
      "dedup_key": "db-2/replica-lag",                  optional identity of the alert
      "severity": "critical",                           optional, the sender's own word
      "description": "Replication is 94 s behind.",     optional
      "source": "db-2",                                 optional host or system
      "labels": {"team": "payments"},                   optional, string values only
      "links": [{"href": "https://…", "text": "Dashboard"}]   optional, text optional
    }

Several alerts at once: `{"alerts": [<alert>, <alert>, …]}`.

- fingerprint: `dedup_key`, else `fingerprint_of(title, labels)`, so the same title and labels
  are the same alert.
- resolve: `"status": "resolved"`; a resolve may omit the title when it has a `dedup_key`.
"""

from typing import Any

from . import Action, AlertStatus, ParsedAlert, PayloadError, fingerprint_of
from ._fields import array, body_object, item_object, path, shown, string, string_map


def parse(payload: Any) -> list[ParsedAlert]:
    body = body_object(payload)
    if "alerts" in body:
        alerts = array(body, "alerts", "alerts", required=True)
        return [parse_alert(alert, path("alerts", index)) for index, alert in enumerate(alerts)]
    return [parse_alert(body, None)]


def parse_alert(alert: Any, where: str | None) -> ParsedAlert:
    alert = item_object(alert, where or "alert")
    status = alert.get("status")
    if status is None:
        status = AlertStatus.FIRING
    if status not in (AlertStatus.FIRING, AlertStatus.RESOLVED):
        field = path(where, "status")
        raise PayloadError(
            f"'{field}' must be 'firing' or 'resolved', not {shown(status)}", field=field
        )
    title = string(alert, "title", path(where, "title")).strip()
    dedup_key = string(alert, "dedup_key", path(where, "dedup_key")).strip()
    if not title and not (status == AlertStatus.RESOLVED and dedup_key):
        field = path(where, "title")
        raise PayloadError(f"'{field}' is missing or blank", field=field)
    labels = string_map(alert, "labels", path(where, "labels"))

    links = []
    for index, link in enumerate(array(alert, "links", path(where, "links"))):
        at = path(path(where, "links"), index)
        link = item_object(link, at)
        href = string(link, "href", path(at, "href")).strip()
        if not href:
            raise PayloadError(f"'{path(at, 'href')}' is missing or blank", field=path(at, "href"))
        links.append({"href": href, "text": string(link, "text", path(at, "text")) or href})

    return ParsedAlert(
        fingerprint=dedup_key or fingerprint_of(title, labels),
        action=Action.RESOLVE if status == AlertStatus.RESOLVED else Action.TRIGGER,
        summary=title,
        description=string(alert, "description", path(where, "description")),
        source=string(alert, "source", path(where, "source")),
        severity=string(alert, "severity", path(where, "severity")),
        labels=labels,
        links=links,
        raw=alert,
    )
