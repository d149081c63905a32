"""How a schedule reads on its page: days with shifts and gaps, layers in words, colours."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from . import selectors
from .models import Layer, Override, RotationUnit, Schedule

# Distinct at a glance and dark enough for white text (WCAG AA); gaps use the danger red.
PALETTE = [
    "#3b4bd8",
    "#0f766e",
    "#9333ea",
    "#b45309",
    "#be185d",
    "#1d4ed8",
    "#4d7c0f",
    "#475569",
]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SHORT_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
NORMAL_DAY = timedelta(hours=24)


def person_colours(layers: list[Layer], overrides: list[Override]) -> dict[int, str]:
    """A colour per person, stable in the order people appear in the layers, then overrides."""
    colours: dict[int, str] = {}
    people = [turn.user for layer in layers for turn in layer.turns.all()]
    people += [override.user for override in overrides]
    for user in people:
        if user.pk not in colours:
            colours[user.pk] = PALETTE[len(colours) % len(PALETTE)]
    return colours


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _days_text(days: list[int]) -> str:
    days = sorted(days)
    if days == [1, 2, 3, 4, 5]:
        return "Mon–Fri"
    if days == [6, 7]:
        return "Sat–Sun"
    runs, start = [], None
    for index, day in enumerate(days):
        if start is None:
            start = day
        if index + 1 == len(days) or days[index + 1] != day + 1:
            runs.append(
                SHORT_DAYS[start - 1]
                if start == day
                else f"{SHORT_DAYS[start - 1]}–{SHORT_DAYS[day - 1]}"
            )
            start = None
    return ", ".join(runs)


def describe_layer(layer: Layer) -> dict:
    """The rotation and its restriction as a person would say them."""
    handoff = layer.handoff_time.strftime("%H:%M")
    length, unit = layer.rotation_length, layer.rotation_unit
    if unit == RotationUnit.WEEKS:
        every = "Every week" if length == 1 else f"Every {length} weeks"
        rotation = f"{every}, handing over {WEEKDAY_NAMES[layer.start_date.weekday()]} {handoff}"
    elif unit == RotationUnit.DAYS:
        every = "Every day" if length == 1 else f"Every {length} days"
        rotation = f"{every}, handing over at {handoff}"
    else:
        rotation = f"{_plural(length, 'hour')} each, from {handoff}"
    restriction = ""
    if layer.is_restricted:
        parts = []
        if layer.restrict_days:
            parts.append(_days_text(layer.restrict_days))
        if layer.restrict_start is not None:
            parts.append(
                f"{layer.restrict_start:%H:%M}–{layer.restrict_end:%H:%M}"
                + (" (overnight)" if layer.restrict_end <= layer.restrict_start else "")
            )
        restriction = "Only " + ", ".join(parts)
    return {
        "rotation": rotation,
        "restriction": restriction,
        "people": [turn.user for turn in layer.turns.all()],
        "starts": layer.start_date,
    }


def _clock(moment: datetime, zone: ZoneInfo, day_end: datetime | None = None) -> str:
    if day_end is not None and moment == day_end:
        return "24:00"
    return moment.astimezone(zone).strftime("%H:%M")


def _span_in(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() == local_end.date():
        return f"{local_start:%a %H:%M}–{local_end:%H:%M}"
    return f"{local_start:%a %H:%M}–{local_end:%a %H:%M}"


def _percent(part: timedelta, whole: timedelta) -> str:
    return f"{max(0.0, min(100.0, part / whole * 100)):.3f}"


def fourteen_days(
    schedule: Schedule,
    *,
    now: datetime,
    zone: ZoneInfo,
    other_zone: ZoneInfo,
    colours: dict[int, str],
    count: int = 14,
) -> list[dict]:
    """From today, `count` days as `zone` counts them, each with its shifts and gaps."""
    first: date = now.astimezone(zone).date()
    window_start = selectors.day_bounds(first, zone)[0]
    window_end = selectors.day_bounds(first + timedelta(days=count - 1), zone)[1]
    pieces = selectors.timeline(schedule, window_start, window_end)
    show_other = str(zone) != str(other_zone)
    days = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        start, end = selectors.day_bounds(day, zone)
        length = end - start
        entries = []
        for piece in pieces:
            if piece.end <= start or piece.start >= end:
                continue
            begin, finish = max(piece.start, start), min(piece.end, end)
            is_gap = isinstance(piece, selectors.Gap)
            entries.append(
                {
                    "gap": is_gap,
                    "user": None if is_gap else piece.user,
                    "source": "" if is_gap else piece.source_name,
                    "is_override": not is_gap and piece.is_override,
                    "colour": "" if is_gap else colours.get(piece.user.pk, PALETTE[-1]),
                    "from": _clock(begin, zone),
                    "to": _clock(finish, zone, end),
                    "other": _span_in(begin, finish, other_zone) if show_other else "",
                    "left": _percent(begin - start, length),
                    "width": _percent(finish - begin, length),
                    "now": begin <= now < finish,
                    "from_before": piece.start < start,
                    "on_after": piece.end > end,
                }
            )
        note = ""
        if length < NORMAL_DAY:
            note = f"Clocks go forward: a {length // timedelta(hours=1)}-hour day"
        elif length > NORMAL_DAY:
            note = f"Clocks go back: a {length // timedelta(hours=1)}-hour day"
        days.append(
            {
                "date": day,
                "today": offset == 0,
                "entries": entries,
                "has_gap": any(entry["gap"] for entry in entries),
                "note": note,
                "now_at": _percent(now - start, length) if start <= now < end else None,
            }
        )
    return days
