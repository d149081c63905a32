"""iCalendar feeds of on-call shifts, one per schedule and one per person: what they hold, and
the secret addresses that serve them.

Calendar apps subscribe to a secret address and fetch it again every so often; each fetch
holds the shifts of the past week and the next two months, as UTC times, so every app places
them right whatever its own zone.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from icalendar import Calendar, Event, vDuration

from tocsin.accounts.models import User

from . import selectors, services
from .forms import ConfirmForm
from .models import PersonalCalendar, Schedule, hash_token

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


def schedule_feed(schedule: Schedule, *, now: datetime | None = None) -> bytes:
    """Everyone's shifts on this schedule."""
    start, end = feed_range(now)
    stamp = (now or timezone.now()).astimezone(UTC)
    calendar = _calendar(f"On call: {schedule.team.name} · {schedule.name}")
    for shift in selectors.shifts(schedule, start, end):
        calendar.add_component(
            _event(shift, schedule, summary=f"On call: {shift.user}", stamp=stamp)
        )
    return calendar.to_ical()


def personal_feed(user: User, *, now: datetime | None = None) -> bytes:
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


# ---------------------------------------------------------------------------------------------
# Calendar feeds: secret addresses, no sign-in


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


def _by_token(rows, token: str):
    found = rows.filter(calendar_token_hash=hash_token(token)).first()
    if found is None:
        raise Http404("unknown calendar address: it may have been rotated")
    return found


@require_GET
def schedule_calendar(request, token: str):
    schedule = _by_token(Schedule.objects.select_related("team"), token)
    return _ics(schedule_feed(schedule), f"schedule-{schedule.pk}.ics")


@require_GET
def personal_calendar(request, token: str):
    calendar = _by_token(PersonalCalendar.objects.select_related("user"), token)
    if not calendar.user.is_active:
        raise Http404("unknown calendar address")
    return _ics(personal_feed(calendar.user), "on-call.ics")


@login_required
@require_POST
def personal_calendar_create(request):
    services.personal_calendar(user=request.user)
    messages.success(request, "Your on-call calendar address is ready; subscribe to it below.")
    return redirect(f"{reverse('schedule-list')}#my-calendar")


@login_required
@require_POST
def personal_calendar_rotate(request):
    form = ConfirmForm(request.POST, auto_id="personal_%s")
    if not form.is_valid():
        messages.error(request, "The address was not changed: tick the box to confirm.")
    else:
        services.rotate_personal_calendar_token(user=request.user)
        messages.success(request, "Your calendar has a new address; the old one no longer works.")
    return redirect(f"{reverse('schedule-list')}#my-calendar")
