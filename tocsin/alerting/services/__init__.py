"""Every configuration write of the alerting app: integrations, routing rules, maintenance.

Split by job: `integrations` (creating, settings, rotating the secret URL), `rules` (routing
rules and the severity mapping), `maintenance` (windows); `shared` checks what more than one
of them is given. Callers import from here. (What happens to each received alert is
`ingest.py`, not a configuration write.)
"""

from .integrations import create_integration, rotate_token, update_integration
from .maintenance import end_maintenance, schedule_maintenance
from .rules import create_rule, delete_rule, move_rule, set_severity_mapping, update_rule
from .shared import clean_kind

__all__ = [
    "clean_kind",
    "create_integration",
    "create_rule",
    "delete_rule",
    "end_maintenance",
    "move_rule",
    "rotate_token",
    "schedule_maintenance",
    "set_severity_mapping",
    "update_integration",
    "update_rule",
]
