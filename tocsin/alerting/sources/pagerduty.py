"""PagerDuty Events API v2: one event per request, as monitoring tools send to `/v2/enqueue`.

    {"routing_key", "event_action": "trigger" | "acknowledge" | "resolve", "dedup_key",
     "payload": {"summary", "source", "severity", "timestamp", "component", "group", "class",
                 "custom_details"},
     "client", "client_url", "links": [{"href", "text"}], "images": [{"src", "href", "alt"}]}

Validated as PagerDuty validates, with messages worded like PagerDuty's `errors`:
- `event_action` must be one of the three actions;
- a trigger needs `payload.summary`, `payload.source` and `payload.severity` (critical, error,
  warning or info); a trigger without `dedup_key` gets a new one (uuid4 hex), which is the
  fingerprint, and the caller returns it to the client as PagerDuty does;
- acknowledge and resolve need `dedup_key` and ignore `payload`.

`routing_key` is not checked here: the caller finds the integration by it (or by the URL)
before parsing, and it is dropped from `raw` because it is the integration's secret.
Labels are `component`, `group`, `class` and `custom_details` flattened to strings
(`{"a": {"b": 1}}` → `a.b = "1"`); an unreadable `payload.timestamp` is ignored, as the time
of receipt is as good.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import Action, ParsedAlert, PayloadError
from ._fields import array, body_object, flatten, item_object, obj, path, string, timestamp

SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = (Action.TRIGGER, Action.ACKNOWLEDGE, Action.RESOLVE)
MAX_DEDUP_KEY = 255
# PagerDuty's own limit on `payload.summary`.
MAX_SUMMARY = 1024


def parse(payload: Any) -> list[ParsedAlert]:
    event = body_object(payload)
    action = event.get("event_action")
    if action is None or action == "":
        raise PayloadError("'event_action' is missing or blank", field="event_action")
    if action not in ACTIONS:
        raise PayloadError(
            "'event_action' is invalid (must be one of the following: "
            "'trigger', 'acknowledge' or 'resolve')",
            field="event_action",
        )
    if not isinstance(event.get("routing_key", ""), str):
        raise PayloadError("'routing_key' is invalid (must be a string)", field="routing_key")
    dedup_key = _dedup_key(event)
    raw = {key: value for key, value in event.items() if key != "routing_key"}

    if action != Action.TRIGGER:
        if not dedup_key:
            raise PayloadError("'dedup_key' is missing or blank", field="dedup_key")
        return [ParsedAlert(fingerprint=dedup_key, action=action, raw=raw)]

    details = obj(event, "payload", "payload", required=True)
    summary = _summary(details)
    source = _required(details, "source")
    severity = _required(details, "severity")
    if severity not in SEVERITIES:
        raise PayloadError(
            "'payload.severity' is invalid (must be one of the following: "
            "'critical', 'warning', 'error' or 'info')",
            field="payload.severity",
        )

    labels: dict[str, str] = {}
    description = ""
    custom_details = details.get("custom_details")
    if isinstance(custom_details, str):
        description = custom_details
    elif custom_details is not None:
        labels.update(
            flatten(custom_details, "" if isinstance(custom_details, dict) else "details")
        )
    for key in ("component", "group", "class"):
        value = string(details, key, path("payload", key))
        if value:
            labels[key] = value

    return [
        ParsedAlert(
            fingerprint=dedup_key or uuid.uuid4().hex,
            action=Action.TRIGGER,
            summary=summary,
            description=description,
            source=source,
            severity=severity,
            labels=labels,
            links=_links(event),
            starts_at=timestamp(details.get("timestamp"), "payload.timestamp", strict=False),
            raw=raw,
        )
    ]


@dataclass
class ParsedChange:
    """A change event (`POST /v2/change/enqueue`): a deploy, a config push, not a problem."""

    summary: str
    source: str = ""
    timestamp: datetime | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def parse_change(payload: Any) -> ParsedChange:
    """`{"routing_key", "payload": {"summary", "source", "timestamp", "custom_details"},
    "links": [{"href", "text"}]}`, validated as PagerDuty validates it."""
    event = body_object(payload)
    if not isinstance(event.get("routing_key", ""), str):
        raise PayloadError("'routing_key' is invalid (must be a string)", field="routing_key")
    details = obj(event, "payload", "payload", required=True)
    summary = _summary(details)
    custom_details = details.get("custom_details")
    if custom_details is not None and not isinstance(custom_details, dict):
        custom_details = {"details": custom_details}
    return ParsedChange(
        summary=summary,
        source=string(details, "source", "payload.source"),
        timestamp=timestamp(details.get("timestamp"), "payload.timestamp", strict=False),
        links=_links(event),
        details=custom_details or {},
    )


def _summary(details: dict) -> str:
    summary = _required(details, "summary")
    if len(summary) > MAX_SUMMARY:
        raise PayloadError(
            f"'payload.summary' is too long (maximum is {MAX_SUMMARY} characters)",
            field="payload.summary",
        )
    return summary


def _dedup_key(event: dict) -> str:
    value = event.get("dedup_key")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError("'dedup_key' is invalid (must be a string)", field="dedup_key")
    if len(value) > MAX_DEDUP_KEY:
        raise PayloadError(
            f"'dedup_key' is too long (maximum is {MAX_DEDUP_KEY} characters)", field="dedup_key"
        )
    return value.strip()


def _required(details: dict, key: str) -> str:
    field = path("payload", key)
    value = details.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PayloadError(f"'{field}' is missing or blank", field=field)
    if not isinstance(value, str):
        raise PayloadError(f"'{field}' is invalid (must be a string)", field=field)
    return value.strip()


def _links(event: dict) -> list[dict[str, str]]:
    links = []
    client_url = string(event, "client_url", "client_url")
    if client_url:
        links.append({"href": client_url, "text": string(event, "client", "client") or "Source"})
    for index, link in enumerate(array(event, "links", "links")):
        where = path("links", index)
        link = item_object(link, where)
        href = string(link, "href", path(where, "href"))
        if href:
            links.append({"href": href, "text": string(link, "text", path(where, "text")) or href})
    for index, image in enumerate(array(event, "images", "images")):
        where = path("images", index)
        image = item_object(image, where)
        src = string(image, "src", path(where, "src"))
        href = string(image, "href", path(where, "href")) or src
        if href:
            links.append(
                {"href": href, "text": string(image, "alt", path(where, "alt")) or "Image"}
            )
    return links
