"""Calendar feeds: a secret address per schedule and per person, read by any calendar app."""

from datetime import date
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from tests.support.clock import BERLIN, local, utc
from tocsin.oncall.schedules.calendars import personal_feed_url, schedule_feed_url
from tocsin.oncall.schedules.models import Schedule
from tocsin.oncall.schedules.services import (
    add_override,
    personal_calendar,
    rotate_calendar_token,
    rotate_personal_calendar_token,
)

NOW = utc(2026, 11, 25, 12)  # Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def events(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return calendar, [
        (
            str(event["SUMMARY"]),
            event.decoded("DTSTART"),
            event.decoded("DTEND"),
        )
        for event in calendar.walk("VEVENT")
    ]


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def weekly(berlin, layer_of, lead, member):
    return layer_of(berlin, [lead, member], start=date(2026, 11, 16))


def test_the_schedule_feed_has_every_shift_of_the_past_week_and_the_next_60_days(
    client, berlin, weekly, lead, member, other_member
):
    add_override(
        schedule=berlin,
        user=other_member,
        starts_at=local(BERLIN, 2026, 11, 27, 9, 0),
        ends_at=local(BERLIN, 2026, 11, 28, 9, 0),
        by=lead,
    )

    calendar, found = events(client.get(path_of(schedule_feed_url(berlin))))

    assert str(calendar["X-WR-CALNAME"]) == "On call: Payments · Payments Europe/Berlin"
    assert found[:4] == [
        ("On call: Alice Novak", utc(2026, 11, 18), utc(2026, 11, 23, 8)),
        ("On call: Bob Okafor", utc(2026, 11, 23, 8), utc(2026, 11, 27, 8)),
        ("On call: Erin Walsh", utc(2026, 11, 27, 8), utc(2026, 11, 28, 8)),
        ("On call: Bob Okafor", utc(2026, 11, 28, 8), utc(2026, 11, 30, 8)),
    ]
    assert found[-1][2] == utc(2027, 1, 25)  # the whole 60th day ahead
    # Monday 09:00 Berlin, summer or winter.
    assert {start.astimezone(BERLIN).strftime("%a %H:%M") for _, start, _ in found[3:]} <= {
        "Mon 09:00",
        "Sat 09:00",
    }
    uids = [str(event["UID"]) for event in calendar.walk("VEVENT")]
    assert len(set(uids)) == len(uids)


def test_the_feed_needs_no_sign_in_and_says_why_someone_is_on_call(client, berlin, weekly):
    calendar, _ = events(client.get(path_of(schedule_feed_url(berlin))))

    event = calendar.walk("VEVENT")[0]
    assert "because of layer Primary" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(reverse("schedule-detail", args=[berlin.pk]))


def test_a_personal_feed_has_only_that_persons_shifts_on_every_schedule(
    client, schedule_in, layer_of, lead, member
):
    primary = schedule_in("Europe/Berlin", name="Primary")
    database = schedule_in("America/New_York", name="Database")
    layer_of(primary, [lead, member], start=date(2026, 11, 16))
    layer_of(database, [member, lead], start=date(2026, 11, 23), unit="days")

    _, found = events(client.get(path_of(personal_feed_url(personal_calendar(user=member)))))

    summaries = {summary for summary, _, _ in found}
    assert summaries == {"On call: Payments · Primary", "On call: Payments · Database"}
    assert ("On call: Payments · Primary", utc(2026, 11, 23, 8), utc(2026, 11, 30, 8)) in found
    # Bob takes the database on 23, 25, 27… November at 09:00 New York time.
    assert ("On call: Payments · Database", utc(2026, 11, 25, 14), utc(2026, 11, 26, 14)) in found
    assert ("On call: Payments · Database", utc(2026, 11, 24, 14), utc(2026, 11, 25, 14)) not in (
        found
    )


def test_an_unknown_or_rotated_address_is_not_found(client, berlin, weekly, lead, member):
    old = path_of(schedule_feed_url(berlin))
    rotated = rotate_calendar_token(schedule=berlin, by=lead)

    assert client.get(old).status_code == 404
    assert client.get(path_of(schedule_feed_url(rotated))).status_code == 200
    assert client.get("/calendars/schedules/" + "0" * 32 + ".ics").status_code == 404

    old_personal = path_of(personal_feed_url(personal_calendar(user=member)))
    new_personal = path_of(personal_feed_url(rotate_personal_calendar_token(user=member)))
    assert client.get(old_personal).status_code == 404
    assert client.get(new_personal).status_code == 200


def test_only_the_hash_of_the_address_is_stored(berlin):
    row = Schedule.objects.filter(pk=berlin.pk).values().get()
    assert berlin.calendar_token not in str(row)
