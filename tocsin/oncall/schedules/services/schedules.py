"""Schedules and their calendar addresses: create, rename, move to another zone, rotate."""

from django.db import IntegrityError, transaction

from tocsin.accounts.models import Team, User
from tocsin.accounts.permissions import ensure_manages_team
from tocsin.errors import Conflict, ValidationFailed
from tocsin.tokens import new_salt

from ..models import PersonalCalendar, Schedule
from .shared import CHANGE_SCHEDULES, clean_description, clean_name, clean_time_zone


def create_schedule(
    *, team: Team, name: str, time_zone: str, by: User, description: str = ""
) -> Schedule:
    """A schedule with no layers yet: nobody is on call until a layer or an override says so."""
    ensure_manages_team(team, by, action=CHANGE_SCHEDULES)
    schedule = Schedule(
        team=team,
        name=clean_name(name, "schedule"),
        time_zone=clean_time_zone(time_zone),
        description=clean_description(description),
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
    "name": lambda value: clean_name(value, "schedule"),
    "time_zone": clean_time_zone,
    "description": clean_description,
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
