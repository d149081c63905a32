"""REST endpoints for on-call schedules: who is on call now, at any instant, and next.

Handlers parse, look up, call one service and serialize; permissions and validation live in
`services.py`, the rules of who is on call in `selectors.py`.
"""

from datetime import date, datetime, timedelta
from typing import Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt

from tocsin.accounts.api import team_by_slug, user_by_reference
from tocsin.accounts.permissions import may_see_schedule_calendar
from tocsin.errors import NotFound, ValidationFailed
from tocsin.schemas import ERRORS, Input, Patch, TeamRef, UserOut, UserRef, WallClock

from . import calendars, selectors, services
from .models import Layer, Override, RotationUnit, Schedule

# Clients were generated when this lived in tocsin/oncall/api.py.
OPERATION_ID_PREFIX = "tocsin_oncall_api"

router = Router(tags=["on-call"])

DAYS_AHEAD = 14
EARLIEST, LATEST = 2000, 2200

# ---------------------------------------------------------------------------------------------
# What the API answers with


class SourceOut(Schema):
    kind: Literal["layer", "override"]
    id: int
    name: str = Field(description="The layer's name, or 'Override'.")


class ShiftOut(Schema):
    user: UserOut
    start: datetime
    end: datetime
    source: SourceOut


class GapOut(Schema):
    start: datetime
    end: datetime


class LayerOut(Schema):
    id: int
    position: int = Field(description="Priority: 1 is the highest.")
    name: str
    rotation_length: int
    rotation_unit: str
    handoff_time: WallClock
    start_date: date
    restrict_days: list[int] = Field(description="ISO weekdays, 1 = Monday; empty: every day.")
    restrict_start: WallClock | None
    restrict_end: WallClock | None
    participants: list[UserOut] = Field(description="In rotation order.")

    @staticmethod
    def resolve_participants(layer: Layer) -> list:
        return [turn.user for turn in layer.turns.all()]


class OverrideOut(Schema):
    id: int
    user: UserOut
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: UserOut | None
    created_at: datetime


class ScheduleFields(Schema):
    id: int
    team: TeamRef
    name: str
    description: str
    time_zone: str
    created_at: datetime
    page_url: str
    calendar_url: str | None = Field(
        description="The iCal subscribe address; only for admins and the team's members."
    )


class ScheduleOut(ScheduleFields):
    @staticmethod
    def resolve_page_url(schedule: Schedule) -> str:
        return calendars.schedule_url(schedule)

    @staticmethod
    def resolve_calendar_url(schedule: Schedule, context) -> str | None:
        request = (context or {}).get("request")
        if request is None:
            return None
        if may_see_schedule_calendar(schedule.team, request.user):
            return calendars.schedule_feed_url(schedule)
        return None


class ScheduleDetailOut(ScheduleFields):
    on_call_now: list[UserOut]
    current_shift: ShiftOut | None
    layers: list[LayerOut]
    overrides: list[OverrideOut] = Field(description="Current and upcoming overrides.")
    window_start: datetime
    window_end: datetime
    shifts: list[ShiftOut] = Field(description="Who is on call over the next 14 days.")
    gaps: list[GapOut] = Field(description="When nobody is on call over the next 14 days.")


class OnCallOut(Schema):
    at: datetime
    users: list[UserOut] = Field(description="Empty when nobody is on call (a gap).")
    shift: ShiftOut | None


class ScheduleIn(Input):
    team: str = Field(description="The team's slug.")
    name: str
    time_zone: str = Field(description="An IANA zone such as Europe/Berlin.")
    description: str = ""


class SchedulePatch(Patch):
    name: str = None
    time_zone: str = None
    description: str = None


class LayerIn(Input):
    name: str
    participants: list[UserRef] = Field(description="E-mail addresses or user ids, in order.")
    rotation_length: StrictInt = 1
    rotation_unit: Literal["hours", "days", "weeks"] = RotationUnit.WEEKS
    handoff_time: WallClock
    start_date: date = Field(description="The day of the first handoff; weekly ones repeat it.")
    position: StrictInt | None = Field(None, description="1 is the highest; default: last.")
    restrict_days: list[StrictInt] = Field(default_factory=list)
    restrict_start: WallClock | None = None
    restrict_end: WallClock | None = None


class OverrideIn(Input):
    user: UserRef | None = Field(None, description="E-mail or id; default: yourself.")
    starts_at: datetime = Field(description="ISO 8601 with a time zone.")
    ends_at: datetime = Field(description="ISO 8601 with a time zone.")
    reason: str = ""


# ---------------------------------------------------------------------------------------------
# Lookups and conversions


def _schedule(schedule_id: int) -> Schedule:
    schedule = Schedule.objects.select_related("team").filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound(f"no schedule {schedule_id}")
    return schedule


def _shift(shift: selectors.Shift | None) -> dict | None:
    if shift is None:
        return None
    return {
        "user": shift.user,
        "start": shift.start,
        "end": shift.end,
        "source": {
            "kind": "override" if shift.is_override else "layer",
            "id": shift.source.pk,
            "name": shift.source_name,
        },
    }


def _instant(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(
            f"{field} needs a time zone, e.g. 2026-03-29T02:30:00+01:00 or …Z", field=field
        )
    if not EARLIEST <= value.year < LATEST:
        raise ValidationFailed(f"{field} must be between the years 2000 and 2199", field=field)
    return value


def _detail(schedule: Schedule) -> dict:
    now = timezone.now()
    end = now + timedelta(days=DAYS_AHEAD)
    pieces = selectors.timeline(schedule, now, end)
    current = selectors.shift_at(schedule, now)
    return {
        **{
            field: getattr(schedule, field)
            for field in ("id", "team", "name", "description", "time_zone", "created_at")
        },
        "on_call_now": [] if current is None else [current.user],
        "current_shift": _shift(current),
        "layers": selectors.layers_of(schedule),
        "overrides": list(
            Override.objects.filter(schedule=schedule, ends_at__gt=now)
            .select_related("user", "created_by")
            .order_by("starts_at", "id")
        ),
        "window_start": now,
        "window_end": end,
        "shifts": [_shift(piece) for piece in pieces if isinstance(piece, selectors.Shift)],
        "gaps": [
            {"start": piece.start, "end": piece.end}
            for piece in pieces
            if isinstance(piece, selectors.Gap)
        ],
    }


def _detail_out(schedule: Schedule, request) -> dict:
    detail = _detail(schedule)
    detail["page_url"] = calendars.schedule_url(schedule)
    detail["calendar_url"] = ScheduleOut.resolve_calendar_url(schedule, {"request": request})
    return detail


# ---------------------------------------------------------------------------------------------
# Schedules


@router.get("/schedules", response={200: list[ScheduleOut], **ERRORS})
def list_schedules(request, team: str | None = None):
    schedules = Schedule.objects.select_related("team").order_by("team__name", "name")
    if team:
        schedules = schedules.filter(team=team_by_slug(team, field="team"))
    return schedules


@router.post("/schedules", response={201: ScheduleDetailOut, **ERRORS})
def create_schedule(request, payload: ScheduleIn):
    """Admins and leads of the team. Add layers next: a new schedule has nobody on call."""
    schedule = services.create_schedule(
        team=team_by_slug(payload.team, field="team"),
        name=payload.name,
        time_zone=payload.time_zone,
        description=payload.description,
        by=request.user,
    )
    return Status(201, _detail_out(_schedule(schedule.pk), request))


@router.get("/schedules/{int:schedule_id}", response={200: ScheduleDetailOut, **ERRORS})
def get_schedule(request, schedule_id: int):
    """Who is on call now, the layers and overrides, and the next 14 days' shifts and gaps."""
    return _detail_out(_schedule(schedule_id), request)


@router.patch("/schedules/{int:schedule_id}", response={200: ScheduleDetailOut, **ERRORS})
def update_schedule(request, schedule_id: int, payload: SchedulePatch):
    changes = payload.model_dump(exclude_unset=True)
    services.update_schedule(schedule=_schedule(schedule_id), by=request.user, **changes)
    return _detail_out(_schedule(schedule_id), request)


@router.post("/schedules/{int:schedule_id}/rotate-calendar", response={200: ScheduleOut, **ERRORS})
def rotate_calendar(request, schedule_id: int):
    """A new iCal address (in `calendar_url`); the old one stops working at once."""
    services.rotate_calendar_token(schedule=_schedule(schedule_id), by=request.user)
    return _schedule(schedule_id)


@router.get("/schedules/{int:schedule_id}/on-call", response={200: OnCallOut, **ERRORS})
def on_call(request, schedule_id: int, at: datetime | None = None):
    """Who is on call at `at` (ISO 8601 with a time zone; default: now)."""
    schedule = _schedule(schedule_id)
    instant = timezone.now() if at is None else _instant(at, "at")
    shift = selectors.shift_at(schedule, instant)
    return {
        "at": instant,
        "users": [] if shift is None else [shift.user],
        "shift": _shift(shift),
    }


# ---------------------------------------------------------------------------------------------
# Layers and overrides


@router.post("/schedules/{int:schedule_id}/layers", response={201: LayerOut, **ERRORS})
def add_layer(request, schedule_id: int, payload: LayerIn):
    """Admins and leads of the team; participants must be members of it."""
    schedule = _schedule(schedule_id)
    participants = [
        user_by_reference(reference, field="participants") for reference in payload.participants
    ]
    layer = services.add_layer(
        schedule=schedule,
        by=request.user,
        name=payload.name,
        participants=participants,
        rotation_length=payload.rotation_length,
        rotation_unit=payload.rotation_unit,
        handoff_time=payload.handoff_time,
        start_date=payload.start_date,
        position=payload.position,
        restrict_days=payload.restrict_days,
        restrict_start=payload.restrict_start,
        restrict_end=payload.restrict_end,
    )
    return Status(201, next(each for each in selectors.layers_of(schedule) if each.pk == layer.pk))


@router.delete("/schedules/{int:schedule_id}/layers/{int:layer_id}", response={204: None, **ERRORS})
def delete_layer(request, schedule_id: int, layer_id: int):
    schedule = _schedule(schedule_id)
    layer = (
        Layer.objects.select_related("schedule__team")
        .filter(pk=layer_id, schedule=schedule)
        .first()
    )
    if layer is None:
        raise NotFound(f"no layer {layer_id} in schedule {schedule_id}")
    services.delete_layer(layer=layer, by=request.user)
    return Status(204, None)


@router.post("/schedules/{int:schedule_id}/overrides", response={201: OverrideOut, **ERRORS})
def add_override(request, schedule_id: int, payload: OverrideIn):
    """Members for themselves; admins and leads for anyone in the team. Newest wins overlaps."""
    schedule = _schedule(schedule_id)
    user = request.user if payload.user is None else user_by_reference(payload.user, field="user")
    override = services.add_override(
        schedule=schedule,
        user=user,
        starts_at=_instant(payload.starts_at, "starts_at"),
        ends_at=_instant(payload.ends_at, "ends_at"),
        reason=payload.reason,
        by=request.user,
    )
    return Status(201, Override.objects.select_related("user", "created_by").get(pk=override.pk))


@router.delete(
    "/schedules/{int:schedule_id}/overrides/{int:override_id}", response={204: None, **ERRORS}
)
def delete_override(request, schedule_id: int, override_id: int):
    """Admins and leads remove any override; members remove their own."""
    schedule = _schedule(schedule_id)
    override = (
        Override.objects.select_related("schedule__team", "user")
        .filter(pk=override_id, schedule=schedule)
        .first()
    )
    if override is None:
        raise NotFound(f"no override {override_id} in schedule {schedule_id}")
    services.delete_override(override=override, by=request.user)
    return Status(204, None)
