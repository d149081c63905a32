"""Every write to drills, one transaction each, a module a job: scenarios.py (written, changed,
deleted; their payload parsed), runs.py (drills started, scheduled, started when due, cancelled,
ended with their incident, each on the incident's timeline)."""

from .runs import (  # noqa: F401
    cancel_drill,
    follow_incident,
    schedule_drill,
    start_drill,
    start_due_drills,
)
from .scenarios import (  # noqa: F401
    create_scenario,
    delete_scenario,
    parse_payload,
    update_scenario,
)
