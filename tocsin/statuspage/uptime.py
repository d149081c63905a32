"""Uptime of components: daily seconds per status and the 90-day score.

Scoring rule: a second in major outage counts fully as down, a second in partial outage counts
30 % as down; degraded performance and under maintenance count as up. Days (or the part of a
day) before the component's start date, or before it was created when it has none, count as
no data. Days are UTC days. Finished days are rolled up into UptimeDay rows by `roll_up(day)`;
days without a rollup (today, or a day not rolled up yet) are computed from the status history.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Component, ComponentStatus, ComponentStatusChange, UptimeDay

PARTIAL_OUTAGE_WEIGHT = 0.3
DAY = 86400
_FIELDS = {
    ComponentStatus.MAJOR_OUTAGE: "major_outage_seconds",
    ComponentStatus.PARTIAL_OUTAGE: "partial_outage_seconds",
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded_seconds",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance_seconds",
}
_WORST = [
    ComponentStatus.MAJOR_OUTAGE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.UNDER_MAINTENANCE,
]


def _start(component: Component) -> dt.datetime:
    if component.start_date:
        return dt.datetime.combine(component.start_date, dt.time(), tzinfo=dt.UTC)
    return component.created_at


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def _seconds(component, changes, day, now) -> dict:
    """Seconds in each status on `day` from `changes` (this component's, ordered by time)."""
    lo, hi = _day_bounds(day)
    lo = max(lo, _start(component))
    hi = min(hi, now)
    result = {status: 0 for status in _FIELDS} | {"counted": 0}
    if hi <= lo:
        return result
    status = ComponentStatus.OPERATIONAL
    at = lo
    for change in changes:
        if change.at <= lo:
            status = change.status
            continue
        if change.at >= hi:
            break
        if status in result:
            result[status] += int((change.at - at).total_seconds())
        status, at = change.status, change.at
    if status in result:
        result[status] += int((hi - at).total_seconds())
    result["counted"] = int((hi - lo).total_seconds())
    return result


def _bar(day, seconds) -> dict:
    counted = seconds["counted"]
    worst = next((s for s in _WORST if seconds.get(s)), ComponentStatus.OPERATIONAL)
    if not counted:
        return {"day": day, "uptime": None, "worst": None, "seconds": seconds}
    down = (
        seconds[ComponentStatus.MAJOR_OUTAGE]
        + PARTIAL_OUTAGE_WEIGHT * seconds[ComponentStatus.PARTIAL_OUTAGE]
    )
    return {"day": day, "uptime": max(0.0, 1 - down / counted), "worst": worst, "seconds": seconds}


def day_bars(component: Component, days: int = 90, today: dt.date | None = None) -> list[dict]:
    """One dict per day, oldest first: day, uptime (0..1 or None), worst status, seconds."""
    return bars_of([component], days, today)[component.pk]


def bars_of(components, days: int = 90, today: dt.date | None = None) -> dict[int, list[dict]]:
    """`day_bars` of each component by its pk, read in two queries whatever their number."""
    now = timezone.now()
    today = today or now.date()
    first = today - dt.timedelta(days=days - 1)
    ids = [c.pk for c in components]
    rolled: dict[int, dict] = {pk: {} for pk in ids}
    for u in UptimeDay.objects.filter(component_id__in=ids, day__gte=first):
        rolled[u.component_id][u.day] = u
    changes: dict[int, list] = {pk: [] for pk in ids}
    for change in ComponentStatusChange.objects.filter(component_id__in=ids).order_by("at", "pk"):
        changes[change.component_id].append(change)
    return {c.pk: _bars(c, rolled[c.pk], changes[c.pk], first, days, now) for c in components}


def _bars(component, rolled: dict, changes: list, first: dt.date, days: int, now) -> list[dict]:
    bars = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        if day in rolled:
            u = rolled[day]
            seconds = {s: getattr(u, f) for s, f in _FIELDS.items()} | {
                "counted": u.counted_seconds
            }
        else:
            seconds = _seconds(component, changes, day, now)
        bars.append(_bar(day, seconds))
    return bars


def uptime_percent(component: Component, days: int = 90, bars: list | None = None) -> float | None:
    """Uptime over the last `days` days in percent, or None when there is no data; from `bars`
    (what `day_bars` gave) when the caller has them already."""
    bars = day_bars(component, days) if bars is None else bars
    counted = sum(b["seconds"]["counted"] for b in bars)
    if not counted:
        return None
    down = sum(b["seconds"]["counted"] * (1 - b["uptime"]) for b in bars if b["uptime"] is not None)
    return round(100 * (1 - down / counted), 2)


def roll_up(day: dt.date) -> int:
    """Write the UptimeDay of every component for a finished day; returns how many."""
    _, end = _day_bounds(day)
    count = 0
    for component in Component.objects.all():
        changes = list(component.history.order_by("at", "pk"))
        seconds = _seconds(component, changes, day, end)
        UptimeDay.objects.update_or_create(
            component=component,
            day=day,
            defaults={f: seconds[s] for s, f in _FIELDS.items()}
            | {"counted_seconds": seconds["counted"]},
        )
        count += 1
    return count
