"""Who is on call: a schedule's layers and overrides resolved into shifts, gaps and people.

Everything a schedule says is wall-clock time in its time zone, and it is turned into instants
only here, by `to_instant`. That makes rotations calendar arithmetic: a daily rotation hands
over at 09:00 local every day, whether the day has 23, 24 or 25 hours; a 12-hour rotation
hands over at 09:00 and 21:00, so the night shift of a spring-forward day lasts 11 hours.

The rule at any instant: the most recently created override that covers it decides; otherwise
the layer with the highest priority (position 1 first) that has someone on call then, inside
its restriction window; otherwise nobody is on call, which is a gap.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q

from tocsin.accounts.models import User

from .models import Layer, LayerParticipant, Override, RotationUnit, Schedule

# Far enough back and ahead to find the whole shift someone is in now, for every rotation
# length people use.
CURRENT_SHIFT_HORIZON = timedelta(days=35)


@dataclass(frozen=True)
class Shift:
    """Someone on call from `start` to `end` because of a layer or an override."""

    user: User
    start: datetime
    end: datetime
    source: Layer | Override

    @property
    def layer(self) -> Layer | None:
        return self.source if isinstance(self.source, Layer) else None

    @property
    def override(self) -> Override | None:
        return self.source if isinstance(self.source, Override) else None

    @property
    def is_override(self) -> bool:
        return isinstance(self.source, Override)

    @property
    def source_name(self) -> str:
        return "Override" if self.is_override else self.source.name


@dataclass(frozen=True)
class Gap:
    """Nobody on call from `start` to `end`."""

    start: datetime
    end: datetime


def zone_of(schedule: Schedule) -> ZoneInfo:
    return ZoneInfo(schedule.time_zone)


def to_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as a UTC instant, read the way zoneinfo reads it (fold=0).

    A time skipped by a spring-forward change is shifted forward by the length of the gap
    (02:30 on the last Sunday of March in Berlin is 03:30 CEST); a time that happens twice in
    autumn is the first of the two (02:30 CEST, not 02:30 CET).
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _require_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"{instant} has no time zone; give an aware datetime")


# ---------------------------------------------------------------------------------------------
# One layer


def rotation_period(layer: Layer) -> timedelta:
    """The wall-clock distance between two handoffs."""
    length = layer.rotation_length
    if layer.rotation_unit == RotationUnit.HOURS:
        return timedelta(hours=length)
    if layer.rotation_unit == RotationUnit.DAYS:
        return timedelta(days=length)
    return timedelta(weeks=length)


def _rotation(layer: Layer, people: list[User], zone: ZoneInfo, start: datetime, end: datetime):
    """(user, start, end) of each turn of the rotation that overlaps [start, end), clipped."""
    if not people:
        return []
    epoch = datetime.combine(layer.start_date, layer.handoff_time)
    period = rotation_period(layer)

    def handoff(turn: int) -> datetime:
        return to_instant(epoch + turn * period, zone)

    # Estimate the turn from wall-clock time, then correct it: near a DST change the wall
    # clock and the instants disagree by up to the size of the change.
    turn = max((_wall(start, zone) - epoch) // period, 0)
    while turn > 0 and handoff(turn) > start:
        turn -= 1
    while handoff(turn + 1) <= start:
        turn += 1
    turns = []
    begin = handoff(turn)
    while begin < end:
        # Two handoffs inside one skipped hour land on the same instant: that turn is empty.
        finish = max(handoff(turn + 1), begin)
        clipped_start, clipped_end = max(begin, start), min(finish, end)
        if clipped_start < clipped_end:
            turns.append((people[turn % len(people)], clipped_start, clipped_end))
        turn += 1
        begin = finish
    return turns


def restriction_windows(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime):
    """The instants in [start, end) when a restricted layer may have someone on call, merged.

    Each allowed day opens a window at `restrict_start` (midnight if unset) that closes at
    `restrict_end` the same day, or the next day when the end is not after the start (a night
    window such as 22:00–06:00 belongs to the day it starts on).
    """
    days = set(layer.restrict_days or range(1, 8))
    opens = layer.restrict_start or time(0)
    closes = layer.restrict_end or time(0)
    windows: list[tuple[datetime, datetime]] = []
    day = _wall(start, zone).date() - timedelta(days=1)
    last = _wall(end, zone).date()
    while day <= last:
        if day.isoweekday() in days:
            closing_day = day if closes > opens else day + timedelta(days=1)
            window_start = max(to_instant(datetime.combine(day, opens), zone), start)
            window_end = min(to_instant(datetime.combine(closing_day, closes), zone), end)
            if window_start < window_end:
                if windows and windows[-1][1] >= window_start:
                    windows[-1] = (windows[-1][0], max(windows[-1][1], window_end))
                else:
                    windows.append((window_start, window_end))
        day += timedelta(days=1)
    return windows


def _restrict(turns, windows):
    restricted = []
    for user, turn_start, turn_end in turns:
        for window_start, window_end in windows:
            if window_start >= turn_end:
                break
            begin, finish = max(turn_start, window_start), min(turn_end, window_end)
            if begin < finish:
                restricted.append((user, begin, finish))
    return restricted


def layer_shifts(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> list[Shift]:
    """Who this layer alone has on call in [start, end), ignoring every other layer."""
    people = [turn.user for turn in layer.turns.all()]
    turns = _rotation(layer, people, zone, start, end)
    if layer.is_restricted:
        turns = _restrict(turns, restriction_windows(layer, zone, start, end))
    return [Shift(user, begin, finish, layer) for user, begin, finish in turns]


# ---------------------------------------------------------------------------------------------
# The whole schedule


def layers_of(schedule: Schedule) -> list[Layer]:
    """The layers in priority order, with their turns and people."""
    turns = LayerParticipant.objects.select_related("user").order_by("position")
    return list(
        Layer.objects.filter(schedule=schedule)
        .order_by("position")
        .prefetch_related(Prefetch("turns", queryset=turns))
    )


def _overrides(schedule: Schedule, start: datetime, end: datetime) -> list[Override]:
    return list(
        Override.objects.filter(schedule=schedule, starts_at__lt=end, ends_at__gt=start)
        .select_related("user")
        .order_by("created_at", "id")
    )


def timeline(schedule: Schedule, start: datetime, end: datetime) -> list[Shift | Gap]:
    """[start, end) cut into shifts and gaps, in order, with no hole and no overlap."""
    _require_aware(start, end)
    if end <= start:
        return []
    zone = zone_of(schedule)
    per_layer = []
    points = {start, end}
    for layer in layers_of(schedule):
        spans = layer_shifts(layer, zone, start, end)
        per_layer.append((spans, [span.start for span in spans]))
        points.update(moment for span in spans for moment in (span.start, span.end))
    # The most recently created override wins where overrides overlap.
    overrides = _overrides(schedule, start, end)[::-1]
    for override in overrides:
        points.update(
            moment for moment in (override.starts_at, override.ends_at) if start < moment < end
        )

    pieces: list[Shift | Gap] = []
    for begin, finish in pairwise(sorted(points)):
        winner = _decide(begin, overrides, per_layer)
        previous = pieces[-1] if pieces else None
        if winner is None:
            if isinstance(previous, Gap):
                pieces[-1] = Gap(previous.start, finish)
            else:
                pieces.append(Gap(begin, finish))
            continue
        user, source = winner
        if (
            isinstance(previous, Shift)
            and previous.user.pk == user.pk
            and previous.source is source
        ):
            pieces[-1] = Shift(user, previous.start, finish, source)
        else:
            pieces.append(Shift(user, begin, finish, source))
    return pieces


def _decide(instant, overrides, per_layer):
    for override in overrides:
        if override.starts_at <= instant < override.ends_at:
            return override.user, override
    for spans, starts in per_layer:
        index = bisect_right(starts, instant) - 1
        if index >= 0 and spans[index].end > instant:
            return spans[index].user, spans[index].source
    return None


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Who is on call, and why, over [start, end); shifts are clipped to the range."""
    return [piece for piece in timeline(schedule, start, end) if isinstance(piece, Shift)]


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) with nobody on call."""
    return [
        (piece.start, piece.end)
        for piece in timeline(schedule, start, end)
        if isinstance(piece, Gap)
    ]


def on_call_at(schedule: Schedule, instant: datetime) -> list[User]:
    """The people on call at `instant`: one person, or nobody (an empty list)."""
    current = shift_at(schedule, instant, horizon=timedelta(0))
    return [] if current is None else [current.user]


def shift_at(
    schedule: Schedule, instant: datetime, *, horizon: timedelta = CURRENT_SHIFT_HORIZON
) -> Shift | None:
    """The shift covering `instant`, as far as `horizon` either side of it (None in a gap)."""
    _require_aware(instant)
    pieces = timeline(schedule, instant - horizon, instant + horizon + timedelta(microseconds=1))
    for piece in pieces:
        if piece.start <= instant < piece.end:
            return piece if isinstance(piece, Shift) else None
    return None


def schedules_of(user: User):
    """Schedules where `user` takes turns in a layer or has an override."""
    return (
        Schedule.objects.filter(Q(layers__turns__user=user) | Q(overrides__user=user))
        .select_related("team")
        .distinct()
        .order_by("team__name", "name")
    )


def shifts_of(user: User, start: datetime, end: datetime) -> list[Shift]:
    """One person's own shifts over [start, end), across every schedule, in time order."""
    found = [
        shift
        for schedule in schedules_of(user)
        for shift in shifts(schedule, start, end)
        if shift.user.pk == user.pk
    ]
    return sorted(found, key=lambda shift: (shift.start, shift.end))


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight to local midnight, as instants (23, 24 or 25 hours)."""
    return (
        to_instant(datetime.combine(day, time(0)), zone),
        to_instant(datetime.combine(day + timedelta(days=1), time(0)), zone),
    )
