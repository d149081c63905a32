"""Every write to schedules: schedules, layers of rotations, overrides, calendar tokens.

Team leads and admins manage their team's schedules; any member of the team may add an
override for themselves (to swap a shift), leads and admins for anyone in the team.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from tocsin.accounts.models import Membership, Team, User, validate_time_zone
from tocsin.accounts.permissions import (
    ensure_manages_team,
    ensure_may_put_on_call,
    ensure_may_remove_override,
    is_member,
)
from tocsin.errors import Conflict, ValidationFailed
from tocsin.tokens import new_salt

from .models import Layer, LayerParticipant, Override, PersonalCalendar, RotationUnit, Schedule

MAX_ROTATION = {RotationUnit.HOURS: 24 * 366, RotationUnit.DAYS: 366, RotationUnit.WEEKS: 52}
MAX_PARTICIPANTS = 100
MAX_LAYERS = 20
MAX_OVERRIDE = timedelta(days=366)
EARLIEST_START = date(2000, 1, 1)
LATEST_START = date(2200, 1, 1)
WEEKDAYS = range(1, 8)
# Ends the refusal "only an admin or a lead of Payments may change its schedules".
CHANGE_SCHEDULES = "change its schedules"


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(f"give the {what} a name, e.g. 'Primary'", field="name")
    if len(name) > 100:
        raise ValidationFailed("the name is longer than 100 characters", field="name")
    return name


def _clean_time_zone(time_zone: str) -> str:
    time_zone = (time_zone or "").strip()
    try:
        validate_time_zone(time_zone)
    except DjangoValidationError as error:
        raise ValidationFailed(error.messages[0], field="time_zone") from None
    return time_zone


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 2000:
        raise ValidationFailed(
            "the description is longer than 2,000 characters", field="description"
        )
    return description


# ---------------------------------------------------------------------------------------------
# Schedules


def create_schedule(
    *, team: Team, name: str, time_zone: str, by: User, description: str = ""
) -> Schedule:
    """A schedule with no layers yet: nobody is on call until a layer or an override says so."""
    ensure_manages_team(team, by, action=CHANGE_SCHEDULES)
    schedule = Schedule(
        team=team,
        name=_clean_name(name, "schedule"),
        time_zone=_clean_time_zone(time_zone),
        description=_clean_description(description),
    )
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError:
        raise Conflict(
            f"{team.name} already has a schedule named {schedule.name!r}", field="name"
        ) from None
    return schedule


SCHEDULE_SETTINGS = {
    "name": lambda value: _clean_name(value, "schedule"),
    "time_zone": _clean_time_zone,
    "description": _clean_description,
}


def update_schedule(*, schedule: Schedule, by: User, **changes) -> Schedule:
    """Rename, describe or move a schedule to another time zone (its wall-clock times stay)."""
    ensure_manages_team(schedule.team, by, action=CHANGE_SCHEDULES)
    unknown = set(changes) - set(SCHEDULE_SETTINGS)
    if unknown:
        raise ValidationFailed(
            f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    clean = {name: SCHEDULE_SETTINGS[name](value) for name, value in changes.items()}
    try:
        with transaction.atomic():
            schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
            for field_name, value in clean.items():
                setattr(schedule, field_name, value)
            schedule.save()
    except IntegrityError:
        raise Conflict(
            f"{schedule.team.name} already has a schedule named {clean.get('name')!r}",
            field="name",
        ) from None
    return schedule


def rotate_calendar_token(*, schedule: Schedule, by: User) -> Schedule:
    """A new subscribe address for the schedule's calendar; the old one stops working at once."""
    ensure_manages_team(schedule.team, by, action=CHANGE_SCHEDULES)
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
        schedule.calendar_salt = new_salt()
        schedule.save()
    return schedule


def personal_calendar(*, user: User) -> PersonalCalendar:
    """The person's own calendar feed, created the first time it is asked for."""
    with transaction.atomic():
        calendar, _ = PersonalCalendar.objects.get_or_create(user=user)
    return calendar


def rotate_personal_calendar_token(*, user: User) -> PersonalCalendar:
    with transaction.atomic():
        calendar, _ = PersonalCalendar.objects.select_for_update().get_or_create(user=user)
        calendar.calendar_salt = new_salt()
        calendar.save()
    return calendar


# ---------------------------------------------------------------------------------------------
# Layers


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
    name = _clean_name(name, "layer")
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
        clean["name"] = _clean_name(changes["name"], "layer")
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


# ---------------------------------------------------------------------------------------------
# Overrides


def _clean_instant(value, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(f"{field} needs a date, a time and a time zone", field=field)
    if not EARLIEST_START.year <= value.year < LATEST_START.year:
        raise ValidationFailed(f"{field} must be between the years 2000 and 2199", field=field)
    return value


def add_override(
    *,
    schedule: Schedule,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    by: User,
    reason: str = "",
) -> Override:
    """`user` is on call instead of whoever the layers say, from `starts_at` to `ends_at`.

    Where overrides overlap, the one created last wins.
    """
    team = schedule.team
    ensure_may_put_on_call(team, by, person=user)
    starts_at = _clean_instant(starts_at, "starts_at")
    ends_at = _clean_instant(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationFailed("the override must end after it starts", field="ends_at")
    if ends_at - starts_at > MAX_OVERRIDE:
        raise ValidationFailed("an override lasts at most a year", field="ends_at")
    if not is_member(team, user):
        raise ValidationFailed(
            f"{user} is not a member of {team.name}: only members can be on call for it",
            field="user",
        )
    if not user.is_active:
        raise ValidationFailed(f"{user} cannot sign in any more", field="user")
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationFailed("the reason is longer than 200 characters", field="reason")
    with transaction.atomic():
        return Override.objects.create(
            schedule=schedule,
            user=user,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_by=by,
        )


def delete_override(*, override: Override, by: User) -> None:
    """Leads and admins remove any override; members remove their own."""
    ensure_may_remove_override(override, by)
    with transaction.atomic():
        Override.objects.filter(pk=override.pk).delete()
