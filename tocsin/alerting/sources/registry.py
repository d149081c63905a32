"""Which parser reads which kind of integration."""

from collections.abc import Callable
from typing import Any

from . import ParsedAlert, alertmanager, checkly, datadog, generic, grafana, heartbeat, pagerduty

PARSERS: dict[str, Callable[[Any], list[ParsedAlert]]] = {
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "datadog": datadog.parse,
    "checkly": checkly.parse,
    "pagerduty": pagerduty.parse,
    "generic": generic.parse,
    "heartbeat": heartbeat.parse,
}
KINDS = tuple(PARSERS)


class UnknownKind(LookupError):
    """No parser for this kind of integration (a wrong URL, not a wrong body)."""

    def __init__(self, kind: str):
        super().__init__(f"unknown integration kind {kind!r}; known kinds: {', '.join(KINDS)}")
        self.kind = kind


def parse(kind: str, payload: Any) -> list[ParsedAlert]:
    """The alerts in `payload` (decoded JSON) sent by a `kind` source; raises PayloadError."""
    parser = PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise UnknownKind(kind)
    return parser(payload)
