"""Layers of a schedule: rotations of people, in priority order, with daily restrictions.

Team leads and admins manage their team's schedules and their layers.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import F

from tocsin.accounts.models import Membership, Team, User
from tocsin.accounts.permissions import ensure_manages_team
from tocsin.errors import Conflict, ValidationFailed

from ..models import Layer, LayerParticipant, RotationUnit, Schedule
from .shared import (
    CHANGE_SCHEDULES,
    EARLIEST_START,
    LATEST_START,
    MAX_LAYERS,
    MAX_PARTICIPANTS,
    MAX_ROTATION,
    WEEKDAYS,
    clean_name,
)


def _clean_participants(team: Team, participants: Sequence[User]) -> list[User]:
    participants = list(participants or [])
    if not participants:
        raise ValidationFailed(
            "name at least one person to take turns in the rotation", field="participants"
        )
    if len(participants) > MAX_PARTICIPANTS:
        raise ValidationFailed(
            f"a rotation takes at most {MAX_PARTICIPANTS} turns", field="participants"
        )
    members = set(
        Membership.objects.filter(team=team, user__in=participants).values_list(
            "user_id", flat=True
        )
    )
    strangers = [str(user) for user in participants if user.pk not in members]
    if strangers:
        raise ValidationFailed(
            f"{', '.join(dict.fromkeys(strangers))} not in {team.name}: only members of the "
            "team can be on call for it (they must be able to acknowledge its incidents)",
            field="participants",
        )
    inactive = [str(user) for user in participants if not user.is_active]
    if inactive:
        raise ValidationFailed(
            f"{', '.join(dict.fromkeys(inactive))} cannot sign in any more", field="participants"
        )
    return participants


def _clean_rotation(length, unit) -> tuple[int, str]:
    if unit not in RotationUnit.values:
        raise ValidationFailed(
            f"unknown rotation unit {unit!r}; use one of {', '.join(RotationUnit.values)}",
            field="rotation_unit",
        )
    if isinstance(length, bool) or not isinstance(length, int):
        raise ValidationFailed(
            "the rotation length must be a whole number", field="rotation_length"
        )
    longest = MAX_ROTATION[RotationUnit(unit)]
    if not 1 <= length <= longest:
        raise ValidationFailed(
            f"a rotation lasts between 1 and {longest} {unit}", field="rotation_length"
        )
    return length, unit


def _clean_time(value, field: str) -> time | None:
    if value is None:
        return None
    if not isinstance(value, time) or value.tzinfo is not None:
        raise ValidationFailed("give a wall-clock time such as 09:00", field=field)
    return value.replace(microsecond=0)


def _clean_start_date(value) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationFailed("give the first day of the rotation", field="start_date")
    if not EARLIEST_START <= value < LATEST_START:
        raise ValidationFailed(
            "the rotation must start between the years 2000 and 2199", field="start_date"
        )
    return value


def _clean_days(days: Iterable[int] | None) -> list[int]:
    days = list(days or [])
    if any(isinstance(day, bool) or day not in WEEKDAYS for day in days):
        raise ValidationFailed(
            "days are ISO weekday numbers: 1 for Monday … 7 for Sunday", field="restrict_days"
        )
    days = sorted(set(days))
    return [] if len(days) == 7 else days


def _clean_restriction(days, opens, closes) -> tuple[list[int], time | None, time | None]:
    opens = _clean_time(opens, "restrict_start")
    closes = _clean_time(closes, "restrict_end")
    if (opens is None) != (closes is None):
        field = "restrict_end" if closes is None else "restrict_start"
        raise ValidationFailed(
            "give both the start and the end of the daily window, or neither", field=field
        )
    if opens is not None and opens == closes and opens != time(0):
        raise ValidationFailed(
            "the daily window would be empty: its end equals its start", field="restrict_end"
        )
    if opens == time(0) and closes == time(0):
        opens = closes = None
    return _clean_days(days), opens, closes


def _renumber(schedule: Schedule, ordered: list[Layer]) -> None:
    """Give `ordered` the positions 1, 2, 3…; a detour keeps the unique constraint happy."""
    Layer.objects.filter(schedule=schedule).update(position=F("position") + 10_000)
    for number, layer in enumerate(ordered, start=1):
        layer.position = number
    Layer.objects.bulk_update(ordered, ["position"])


def _place(schedule: Schedule, layer: Layer | None, position: int | None) -> int:
    """Put `layer` (None: a new one) at `position`, moving the others down; its final position."""
    others = [
        each
        for each in Layer.objects.select_for_update().filter(schedule=schedule).order_by("position")
        if layer is None or each.pk != layer.pk
    ]
    last = len(others) + 1
    if position is None:
        position = last
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= last:
        raise ValidationFailed(
            f"the priority must be between 1 (highest) and {last}", field="position"
        )
    _renumber(
        schedule, others[: position - 1] + ([layer] if layer else []) + others[position - 1 :]
    )
    return position


def _set_participants(layer: Layer, participants: list[User]) -> None:
    LayerParticipant.objects.filter(layer=layer).delete()
    LayerParticipant.objects.bulk_create(
        LayerParticipant(layer=layer, user=user, position=number)
        for number, user in enumerate(participants, start=1)
    )


def add_layer(
    *,
    schedule: Schedule,
    by: User,
    name: str,
    participants: Sequence[User],
    handoff_time: time,
    start_date: date,
    rotation_length: int = 1,
    rotation_unit: str = RotationUnit.WEEKS,
    position: int | None = None,
    restrict_days: Iterable[int] | None = None,
    restrict_start: time | None = None,
    restrict_end: time | None = None,
) -> Layer:
    """A rotation in the schedule: `participants` take turns, in order, from `start_date`.

    `position` 1 is the highest priority; without one the layer goes last (lowest).
    """
    ensure_manages_team(schedule.team, by, action=CHANGE_SCHEDULES)
    name = clean_name(name, "layer")
    rotation_length, rotation_unit = _clean_rotation(rotation_length, rotation_unit)
    handoff_time = _clean_time(handoff_time, "handoff_time")
    if handoff_time is None:
        raise ValidationFailed("give the handoff time, e.g. 09:00", field="handoff_time")
    start_date = _clean_start_date(start_date)
    days, opens, closes = _clean_restriction(restrict_days, restrict_start, restrict_end)
    participants = _clean_participants(schedule.team, participants)
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
        if schedule.layers.count() >= MAX_LAYERS:
            raise Conflict(f"a schedule has at most {MAX_LAYERS} layers", field="position")
        layer = Layer.objects.create(
            schedule=schedule,
            position=10_000 + MAX_LAYERS + 1,
            name=name,
            rotation_length=rotation_length,
            rotation_unit=rotation_unit,
            handoff_time=handoff_time,
            start_date=start_date,
            restrict_days=days,
            restrict_start=opens,
            restrict_end=closes,
        )
        layer.position = _place(schedule, layer, position)
        _set_participants(layer, participants)
    return layer


LAYER_SETTINGS = {
    "name",
    "participants",
    "handoff_time",
    "start_date",
    "rotation_length",
    "rotation_unit",
    "position",
    "restrict_days",
    "restrict_start",
    "restrict_end",
}


def update_layer(*, layer: Layer, by: User, **changes) -> Layer:
    """Change a layer; the whole new rotation is checked before anything is written."""
    schedule = layer.schedule
    ensure_manages_team(schedule.team, by, action=CHANGE_SCHEDULES)
    unknown = set(changes) - LAYER_SETTINGS
    if unknown:
        raise ValidationFailed(
            f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    clean = {}
    if "name" in changes:
        clean["name"] = clean_name(changes["name"], "layer")
    if {"rotation_length", "rotation_unit"} & set(changes):
        clean["rotation_length"], clean["rotation_unit"] = _clean_rotation(
            changes.get("rotation_length", layer.rotation_length),
            changes.get("rotation_unit", layer.rotation_unit),
        )
    if "handoff_time" in changes:
        clean["handoff_time"] = _clean_time(changes["handoff_time"], "handoff_time")
        if clean["handoff_time"] is None:
            raise ValidationFailed("give the handoff time, e.g. 09:00", field="handoff_time")
    if "start_date" in changes:
        clean["start_date"] = _clean_start_date(changes["start_date"])
    if {"restrict_days", "restrict_start", "restrict_end"} & set(changes):
        clean["restrict_days"], clean["restrict_start"], clean["restrict_end"] = _clean_restriction(
            changes.get("restrict_days", layer.restrict_days),
            changes.get("restrict_start", layer.restrict_start),
            changes.get("restrict_end", layer.restrict_end),
        )
    participants = None
    if "participants" in changes:
        participants = _clean_participants(schedule.team, changes["participants"])
    with transaction.atomic():
        layer = Layer.objects.select_for_update().get(pk=layer.pk)
        for field_name, value in clean.items():
            setattr(layer, field_name, value)
        layer.save()
        if "position" in changes:
            layer.position = _place(schedule, layer, changes["position"])
        if participants is not None:
            _set_participants(layer, participants)
    return layer


def delete_layer(*, layer: Layer, by: User) -> None:
    schedule = layer.schedule
    ensure_manages_team(schedule.team, by, action=CHANGE_SCHEDULES)
    with transaction.atomic():
        Layer.objects.filter(pk=layer.pk).delete()
        _renumber(schedule, list(Layer.objects.filter(schedule=schedule).order_by("position")))
