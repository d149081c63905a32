"""The default severity ladder, seeded by a migration and editable afterwards."""

DEFAULT_SEVERITIES = [
    {
        "key": "P1",
        "name": "Critical",
        "rank": 1,
        "color": "#dc2626",
        "pages_oncall": True,
        "requires_postmortem": True,
        "description": (
            "Customers cannot use a core part of the product. Examples: the site is down "
            "(internal server error on every page), checkout returns 502 gateway errors, "
            "the primary database server is down."
        ),
    },
    {
        "key": "P2",
        "name": "High",
        "rank": 2,
        "color": "#ea580c",
        "pages_oncall": True,
        "requires_postmortem": True,
        "description": (
            "A major feature is broken or badly degraded for many customers, with no "
            "workaround. Examples: log-in fails for one region, payments are delayed by hours."
        ),
    },
    {
        "key": "P3",
        "name": "Moderate",
        "rank": 3,
        "color": "#ca8a04",
        "pages_oncall": False,
        "requires_postmortem": False,
        "description": (
            "Degraded but working, or redundancy lost. Examples: a replica server is down, "
            "an SSL certificate expired on a secondary domain."
        ),
    },
    {
        "key": "P4",
        "name": "Low",
        "rank": 4,
        "color": "#2563eb",
        "pages_oncall": False,
        "requires_postmortem": False,
        "description": (
            "A minor problem with a workaround, few customers affected. Examples: a report "
            "export is slow, one admin page shows a layout error."
        ),
    },
    {
        "key": "P5",
        "name": "Info",
        "rank": 5,
        "color": "#6b7280",
        "pages_oncall": False,
        "requires_postmortem": False,
        "description": (
            "No customer impact; worth recording. Examples: a planned failover, a noisy alert "
            "to tune, a disk at 70%."
        ),
    },
]
