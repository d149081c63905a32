"""Default severity mapping per kind of source, seeded by a migration and editable."""

DEFAULT_SEVERITY_MAPPINGS = {
    # PagerDuty Events v2 severities.
    "pagerduty": {"critical": "P1", "error": "P2", "warning": "P3", "info": "P5"},
    # The `severity` label that Prometheus and Grafana alerting rules conventionally carry.
    "alertmanager": {
        "critical": "P1",
        "page": "P1",
        "high": "P2",
        "error": "P2",
        "warning": "P3",
        "warn": "P3",
        "low": "P4",
        "info": "P5",
        "none": "P5",
    },
    "grafana": {
        "critical": "P1",
        "high": "P2",
        "error": "P2",
        "warning": "P3",
        "warn": "P3",
        "low": "P4",
        "info": "P5",
    },
    # Datadog's alert priority, and its event types.
    "datadog": {
        "p1": "P1",
        "p2": "P2",
        "p3": "P3",
        "p4": "P4",
        "p5": "P5",
        "error": "P2",
        "warning": "P3",
        "info": "P5",
    },
    # Checkly alert types.
    "checkly": {"failure": "P2", "degraded": "P3", "ssl": "P4"},
    "generic": {
        "critical": "P1",
        "high": "P2",
        "error": "P2",
        "warning": "P3",
        "low": "P4",
        "info": "P5",
    },
}
