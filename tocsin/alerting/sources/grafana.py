"""Grafana unified alerting webhook contact point (payload "version": "1").

Grafana's webhook body is Alertmanager's notification plus `orgId`, `title`, `state` and
`message`; each alert adds `silenceURL`, `dashboardURL`, `panelURL`, `imageURL` and `values`.
Alerts are read exactly as in `alertmanager` (per-alert status, `fingerprint`, summary from
`annotations.summary`, ...), with these links when not empty, in this order: `generatorURL`
("Source"), `silenceURL` ("Silence"), `dashboardURL` ("Dashboard"), `panelURL` ("Panel"),
`imageURL` ("Image"), `annotations.runbook_url` ("Runbook").

A contact point with a custom payload template sends whatever that template renders; only
the default payload is understood here.
"""

from typing import Any

from . import ParsedAlert
from .alertmanager import parse_alerts

GRAFANA_LINKS = (
    ("generatorURL", "Source"),
    ("silenceURL", "Silence"),
    ("dashboardURL", "Dashboard"),
    ("panelURL", "Panel"),
    ("imageURL", "Image"),
)


def parse(payload: Any) -> list[ParsedAlert]:
    return parse_alerts(payload, links=GRAFANA_LINKS)
