"""Datadog Webhooks integration.

Datadog posts a JSON template the user pastes into the Webhooks tile, replacing each `$VARIABLE`
as text, so every value arrives as a string. Datadog's default template carries only `body`,
`last_updated`, `event_type`, `title`, `date`, `org` and `id`; `id` is the event's id, new on
every notification, so with it alone a recovery cannot find its alert. Paste
`RECOMMENDED_TEMPLATE` (below), as JSON, instead.

- resolve: `alert_transition` is "Recovered" (any case); without a transition, `alert_type` or
  `event_type` is "success" or "recovery", or the title starts with "[Recovered".
  Everything else ("Triggered", "Re-Triggered", "Warn", "No Data", "Renotify", ...) triggers.
- fingerprint: `aggreg_key` (one per monitor and group), else `alert_id` (the monitor), else
  `id`, else `fingerprint_of(title)`.
- severity: `priority` ("P1".."P5") when set, else `alert_type` (error, warning, info, ...).
- labels: the tags ("env:prod,team:db" → env=prod, team=db); source: `hostname`;
  link: `link` ("Datadog"); starts_at: `date` (epoch milliseconds).
A value still reading `$SOMETHING` was not substituted and counts as empty.
"""

import re
from typing import Any

from . import Action, ParsedAlert, PayloadError, fingerprint_of
from ._fields import body_object, epoch_milliseconds, obj, tag_labels, text, wrong_type

# The integration page shows this, as JSON, to paste into Datadog's Webhooks tile.
RECOMMENDED_TEMPLATE = {
    "title": "$EVENT_TITLE",
    "body": "$EVENT_MSG",
    "event_type": "$EVENT_TYPE",
    "alert_type": "$ALERT_TYPE",
    "alert_transition": "$ALERT_TRANSITION",
    "alert_id": "$ALERT_ID",
    "aggreg_key": "$AGGREG_KEY",
    "priority": "$ALERT_PRIORITY",
    "link": "$LINK",
    "hostname": "$HOSTNAME",
    "tags": "$TAGS",
    "date": "$DATE",
    "last_updated": "$LAST_UPDATED",
    "org": {"id": "$ORG_ID", "name": "$ORG_NAME"},
    "id": "$ID",
}

_PLACEHOLDER = re.compile(r"^\$[A-Z][A-Z0-9_]*$")
RESOLVING_TYPES = ("success", "recovery")
# Kept as annotations so people and routing rules can see what Datadog said.
ANNOTATED = ("alert_transition", "event_type", "alert_type", "alert_id", "aggreg_key", "priority")


def parse(payload: Any) -> list[ParsedAlert]:
    body = body_object(payload)
    values = {
        key: _value(body, key)
        for key in (
            *ANNOTATED,
            "title",
            "alert_title",
            "body",
            "alert_priority",
            "link",
            "hostname",
            "date",
            "id",
        )
    }
    obj(body, "org", "org")
    values["priority"] = values["priority"] or values["alert_priority"]
    title = values["title"] or values["alert_title"]
    message = _strip_markers(values["body"])

    fingerprint = values["aggreg_key"] or values["alert_id"] or values["id"]
    if not fingerprint:
        if not title:
            raise PayloadError(
                "the body identifies no alert: send 'aggreg_key' ($AGGREG_KEY), "
                "'alert_id' ($ALERT_ID) or at least 'title' ($EVENT_TITLE)",
                field="aggreg_key",
            )
        fingerprint = fingerprint_of(title)

    link = values["link"]
    return [
        ParsedAlert(
            fingerprint=fingerprint,
            action=Action.RESOLVE if _resolves(values, title) else Action.TRIGGER,
            summary=title or _first_line(message),
            description=message,
            source=values["hostname"],
            severity=values["priority"] or values["alert_type"],
            labels=tag_labels(_tags(body)),
            annotations={key: values[key] for key in ANNOTATED if values[key]},
            links=[{"href": link, "text": "Datadog"}] if link else [],
            starts_at=epoch_milliseconds(values["date"]),
            raw=body,
        )
    ]


def _value(body: dict, key: str) -> str:
    value = text(body, key, key)
    return "" if _PLACEHOLDER.match(value) else value


def _resolves(values: dict[str, str], title: str) -> bool:
    transition = values["alert_transition"]
    if transition:
        return transition.lower() == "recovered"
    if values["alert_type"].lower() in RESOLVING_TYPES:
        return True
    if values["event_type"].lower() in RESOLVING_TYPES:
        return True
    return title.lower().startswith("[recovered")


def _tags(body: dict) -> list[str]:
    """`$TAGS` renders as "a:b,c:d"; a hand-written template may send a JSON array instead."""
    tags = body.get("tags")
    if isinstance(tags, list):
        if not all(isinstance(tag, str) for tag in tags):
            raise wrong_type("tags", "a comma-separated string or an array of strings", tags)
        return tags
    value = _value(body, "tags")
    return value.split(",") if value else []


def _first_line(message: str) -> str:
    lines = message.splitlines()
    return lines[0] if lines else ""


def _strip_markers(message: str) -> str:
    """Datadog wraps Markdown event text in "%%%" lines; they mean nothing to people."""
    message = message.strip()
    if message.startswith("%%%"):
        message = message[3:]
    if message.endswith("%%%"):
        message = message[:-3]
    return message.strip()
