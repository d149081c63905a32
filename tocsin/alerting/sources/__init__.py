"""Parsers: one module per kind of integration, each turning a request body into alerts.

A parser is a pure function `parse(body: bytes | dict) -> list[ParsedAlert]` (dict for JSON
sources, already decoded) that raises `PayloadError` naming the offending field when the body
does not have the shape its source sends. Parsers know nothing of the database.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime


class PayloadError(ValueError):
    """The body is JSON but not of the shape the source sends; `field` names where."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class AlertStatus:
    FIRING = "firing"
    RESOLVED = "resolved"


class Action:
    """What a source asks for: most send firing/resolved; PagerDuty clients may also acknowledge."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclass
class DrillRoute:
    """What a drill's scenario decides for its alert over rules and mappings (set by
    tocsin/drills/, never by a source): its team's incident, of this severity and service, in
    a group of the drill's own run."""

    run: int  # the drill run's id: its grouping key and fingerprints are its own
    severity: str  # a severity key
    service: int | None = None  # a service id


@dataclass
class ParsedAlert:
    fingerprint: str  # stable identity of the alert within its integration
    action: str  # Action.TRIGGER / ACKNOWLEDGE / RESOLVE
    summary: str = ""  # one line for people
    description: str = ""
    source: str = ""  # the host or system that reported it
    severity: str = ""  # the source's own word (critical, warning, error, …) for severity mapping
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)  # [{"href": …, "text": …}]
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    raw: dict = field(default_factory=dict)  # this alert's own part of the payload
    test: bool = False  # sent from the integration's page (`test_alerts.py`), never by a source
    drill: DrillRoute | None = None  # a drill's alert (test too): what its scenario decides

    @property
    def status(self) -> str:
        return AlertStatus.RESOLVED if self.action == Action.RESOLVE else AlertStatus.FIRING


def fingerprint_of(*parts: object) -> str:
    """SHA-256 hex of `parts` as compact sorted-key JSON: an identity for alerts sent without one.

    `fingerprint_of({"alertname": "DiskFull"})` is the sha256 of `[{"alertname":"DiskFull"}]`.
    """
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    # JSON may carry lone surrogates ("\ud800"); they must hash, not crash.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
