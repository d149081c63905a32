"""Every write to incidents: one transaction each, with its timeline event and its reactions.

Split by job: `timeline` (the transition table, `record`), `lifecycle` (declare to reopen),
`details` (severity, title and impact, notes), `roles`, `catalog` (services). Callers import
from here.
"""

from .catalog import create_service
from .details import EDITABLE_DETAILS, add_note, change_severity, update_details
from .lifecycle import (
    acknowledge,
    assign,
    cancel,
    declare,
    reopen,
    resolve,
    retrigger,
    set_status,
)
from .roles import assign_role, ensure_can_hold_role, remove_role
from .timeline import STATUS_TIMESTAMP, TRANSITIONS, label, record, transition

__all__ = [
    "EDITABLE_DETAILS",
    "STATUS_TIMESTAMP",
    "TRANSITIONS",
    "acknowledge",
    "add_note",
    "assign",
    "assign_role",
    "cancel",
    "change_severity",
    "create_service",
    "declare",
    "ensure_can_hold_role",
    "label",
    "record",
    "remove_role",
    "reopen",
    "resolve",
    "retrigger",
    "set_status",
    "transition",
    "update_details",
]
