"""Every write to schedules: schedules, layers of rotations, overrides, calendar tokens.

One module a job; callers import the package (`from tocsin.oncall.schedules import services`).
"""

from .layers import add_layer, delete_layer, update_layer
from .overrides import add_override, delete_override
from .schedules import (
    create_schedule,
    personal_calendar,
    rotate_calendar_token,
    rotate_personal_calendar_token,
    update_schedule,
)

__all__ = [
    "add_layer",
    "add_override",
    "create_schedule",
    "delete_layer",
    "delete_override",
    "personal_calendar",
    "rotate_calendar_token",
    "rotate_personal_calendar_token",
    "update_layer",
    "update_schedule",
]
