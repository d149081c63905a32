"""Every write to the status page: one transaction each, permission checked first.

Split by job: `components` (groups, components, their order and status), `incidents` (public
incidents and their updates), `maintenance` (scheduled maintenance and the clock that moves
it), `pages` (the pages' own settings), `proposals` (what each severity proposes); `common`
is what they share. Callers import from here.
"""

from ..impact import impact
from .components import (
    create_component,
    create_group,
    delete_component,
    delete_group,
    reorder,
    set_component_status,
    update_component,
    update_group,
)
from .incidents import (
    AlreadyPublished,
    delete_public_incident,
    post_update,
    publish,
    publish_draft,
    resolve_public_incident,
    update_public_incident,
)
from .maintenance import (
    advance,
    cancel_maintenance,
    complete_early,
    post_maintenance_update,
    running_for,
    schedule,
    update_maintenance,
)
from .pages import create_page, update_page
from .proposals import set_proposed_status

__all__ = [
    "AlreadyPublished",
    "advance",
    "cancel_maintenance",
    "complete_early",
    "create_component",
    "create_group",
    "create_page",
    "delete_component",
    "delete_group",
    "delete_public_incident",
    "impact",
    "post_maintenance_update",
    "post_update",
    "publish",
    "publish_draft",
    "reorder",
    "resolve_public_incident",
    "running_for",
    "schedule",
    "set_component_status",
    "set_proposed_status",
    "update_component",
    "update_group",
    "update_maintenance",
    "update_page",
    "update_public_incident",
]
