"""iCalendar feeds of on-call shifts: one per schedule, one per person.

Calendar apps subscribe to a secret address and fetch it again every so often; each fetch
holds the shifts of the past week and the next two months, as UTC times, so every app places
them right whatever its own zone.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from tocsin.accounts.models import User

from . import selectors
from .models import Schedule

PAST = timedelta(days=7)
AHEAD = timedelta(days=60)
REFRESH = timedelta(hours=1)
PRODUCT = "-//Tocsin//On-call schedules//EN"


def feed_range(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Whole UTC days, so that an event cut at the edge keeps its start (and UID) all day."""
    today = (now or timezone.now()).astimezone(UTC)
    today = today.replace(hour=0, minute=0, second=0, microsecond=0)
    return today - PAST, today + AHEAD + timedelta(days=1)


def schedule_url(schedule: Schedule) -> str:
    return settings.BASE_URL + reverse("schedule-detail", args=[schedule.pk])


def schedule_feed_url(schedule: Schedule) -> str:
    return settings.BASE_URL + reverse("schedule-calendar", args=[schedule.calendar_token])


def personal_feed_url(calendar) -> str:
    return settings.BASE_URL + reverse("personal-calendar", args=[calendar.calendar_token])


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # Both the standard property (RFC 7986) and the one older clients read.
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def _event(shift: selectors.Shift, schedule: Schedule, *, summary: str, stamp: datetime) -> Event:
    event = Event()
    source = f"override-{shift.source.pk}" if shift.is_override else f"layer-{shift.source.pk}"
    event.add(
        "uid",
        f"schedule-{schedule.pk}-{source}-user-{shift.user.pk}-"
        f"{shift.start.astimezone(UTC):%Y%m%dT%H%M%SZ}@tocsin",
    )
    event.add("dtstamp", stamp)
    event.add("dtstart", shift.start.astimezone(UTC))
    event.add("dtend", shift.end.astimezone(UTC))
    event.add("summary", summary)
    why = "an override" if shift.is_override else f"layer {shift.source.name}"
    if shift.is_override and shift.source.reason:
        why += f" ({shift.source.reason})"
    event.add(
        "description",
        f"{shift.user} is on call for {schedule.team.name} ({schedule.name}) because of {why}.\n"
        f"{schedule_url(schedule)}",
    )
    event.add("url", schedule_url(schedule))
    event.add("transp", "TRANSPARENT")
    return event


def schedule_calendar(schedule: Schedule, *, now: datetime | None = None) -> bytes:
    """Everyone's shifts on this schedule."""
    start, end = feed_range(now)
    stamp = (now or timezone.now()).astimezone(UTC)
    calendar = _calendar(f"On call: {schedule.team.name} · {schedule.name}")
    for shift in selectors.shifts(schedule, start, end):
        calendar.add_component(
            _event(shift, schedule, summary=f"On call: {shift.user}", stamp=stamp)
        )
    return calendar.to_ical()


def personal_calendar(user: User, *, now: datetime | None = None) -> bytes:
    """One person's own shifts, on every schedule they are on."""
    start, end = feed_range(now)
    stamp = (now or timezone.now()).astimezone(UTC)
    calendar = _calendar(f"On call: {user}")
    for schedule in selectors.schedules_of(user):
        for shift in selectors.shifts(schedule, start, end):
            if shift.user.pk != user.pk:
                continue
            calendar.add_component(
                _event(
                    shift,
                    schedule,
                    summary=f"On call: {schedule.team.name} · {schedule.name}",
                    stamp=stamp,
                )
            )
    return calendar.to_ical()
