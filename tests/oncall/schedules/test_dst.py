"""Rotations are calendar arithmetic in the schedule's zone, across daylight saving changes.

2026 in Europe/Berlin: clocks go forward on Sunday 29 March (02:00 CET → 03:00 CEST) and back on
Sunday 25 October (03:00 CEST → 02:00 CET). In America/New_York: forward on Sunday 8 March
(02:00 EST → 03:00 EDT), back on Sunday 1 November (02:00 EDT → 01:00 EST).
"""

from datetime import date, time, timedelta

import pytest

from tests.support.clock import BERLIN, NEW_YORK, local, utc
from tocsin.oncall.schedules.selectors import on_call_at, shifts

HOUR = timedelta(hours=1)


def handoffs(schedule, start, end):
    """The instants at which someone new takes over, inside [start, end)."""
    found = shifts(schedule, start, end)
    return [shift.start for shift in found if shift.start > start]


# ---------------------------------------------------------------------------------------------
# Daily and weekly rotations hand over at the same wall-clock time every time


@pytest.mark.parametrize(
    ("zone_name", "first_day", "expected_utc"),
    [
        # Berlin, spring: 09:00 CET is 08:00 UTC, 09:00 CEST is 07:00 UTC.
        ("Europe/Berlin", date(2026, 3, 27), [(3, 28, 8), (3, 29, 7), (3, 30, 7)]),
        # Berlin, autumn.
        ("Europe/Berlin", date(2026, 10, 23), [(10, 24, 7), (10, 25, 8), (10, 26, 8)]),
        # New York, spring: 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00 UTC.
        ("America/New_York", date(2026, 3, 6), [(3, 7, 14), (3, 8, 13), (3, 9, 13)]),
        # New York, autumn.
        ("America/New_York", date(2026, 10, 30), [(10, 31, 13), (11, 1, 14), (11, 2, 14)]),
    ],
)
def test_a_daily_rotation_hands_over_at_0900_local_every_day_across_the_change(
    schedule_in, layer_of, lead, member, other_member, zone_name, first_day, expected_utc
):
    schedule = schedule_in(zone_name)
    layer_of(schedule, [lead, member, other_member], unit="days", start=first_day)
    start = utc(first_day.year, first_day.month, first_day.day, 20)

    found = handoffs(schedule, start, start + timedelta(days=3))

    assert found == [utc(2026, month, day, hour) for month, day, hour in expected_utc]
    assert all(f"{moment.astimezone(schedule_zone(schedule)):%H:%M}" == "09:00" for moment in found)


def schedule_zone(schedule):
    return BERLIN if schedule.time_zone == "Europe/Berlin" else NEW_YORK


def test_daily_turns_follow_the_order_of_participants_across_spring_forward(
    berlin, layer_of, lead, member, other_member
):
    layer_of(berlin, [lead, member, other_member], unit="days", start=date(2026, 3, 27))

    # Friday 27: Alice, Saturday 28: Bob, Sunday 29 (23 hours): Erin, Monday 30: Alice again.
    assert on_call_at(berlin, local(BERLIN, 2026, 3, 29, 8, 59)) == [member]
    assert on_call_at(berlin, local(BERLIN, 2026, 3, 29, 9, 0)) == [other_member]
    assert on_call_at(berlin, local(BERLIN, 2026, 3, 30, 8, 59)) == [other_member]
    assert on_call_at(berlin, local(BERLIN, 2026, 3, 30, 9, 0)) == [lead]
    sunday = [s for s in shifts(berlin, utc(2026, 3, 29, 7), utc(2026, 3, 30, 7))]
    assert [(s.user, s.end - s.start) for s in sunday] == [(other_member, 24 * HOUR)]
    saturday = shifts(berlin, utc(2026, 3, 28, 8), utc(2026, 3, 29, 7))
    assert [(s.user, s.end - s.start) for s in saturday] == [(member, 23 * HOUR)]


def test_the_daily_shift_over_fall_back_lasts_25_hours(berlin, layer_of, lead, member):
    layer_of(berlin, [lead, member], unit="days", start=date(2026, 10, 24))

    found = shifts(berlin, utc(2026, 10, 24, 0), utc(2026, 10, 26, 12))

    # Nobody before the layer starts on Saturday 09:00.
    assert [(s.user, s.start, s.end) for s in found[:2]] == [
        (lead, utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),  # Sat 09:00 CEST → Sun 09:00 CET
        (member, utc(2026, 10, 25, 8), utc(2026, 10, 26, 8)),
    ]
    assert found[0].end - found[0].start == 25 * HOUR
    # The hour that happens twice (02:00–03:00) is still Alice's, both times.
    assert on_call_at(berlin, utc(2026, 10, 25, 0, 30)) == [lead]  # 02:30 CEST
    assert on_call_at(berlin, utc(2026, 10, 25, 1, 30)) == [lead]  # 02:30 CET


@pytest.mark.parametrize(
    ("zone_name", "first_monday", "expected_utc"),
    [
        ("Europe/Berlin", date(2026, 3, 16), [(3, 23, 8), (3, 30, 7), (4, 6, 7)]),
        ("Europe/Berlin", date(2026, 10, 12), [(10, 19, 7), (10, 26, 8), (11, 2, 8)]),
        ("America/New_York", date(2026, 2, 23), [(3, 2, 14), (3, 9, 13), (3, 16, 13)]),
        ("America/New_York", date(2026, 10, 19), [(10, 26, 13), (11, 2, 14), (11, 9, 14)]),
    ],
)
def test_a_weekly_rotation_hands_over_every_monday_0900_local(
    schedule_in, layer_of, lead, member, zone_name, first_monday, expected_utc
):
    schedule = schedule_in(zone_name)
    layer_of(schedule, [lead, member], unit="weeks", start=first_monday)
    start = utc(first_monday.year, first_monday.month, first_monday.day, 20)

    found = handoffs(schedule, start, start + timedelta(days=21))

    assert found == [utc(2026, month, day, hour) for month, day, hour in expected_utc]
    zone = schedule_zone(schedule)
    assert {f"{moment.astimezone(zone):%A %H:%M}" for moment in found} == {"Monday 09:00"}


def test_the_weekly_shift_that_contains_spring_forward_is_an_hour_shorter(
    new_york, layer_of, lead, member
):
    layer_of(new_york, [lead, member], unit="weeks", start=date(2026, 3, 2))

    found = shifts(new_york, utc(2026, 3, 2, 14), utc(2026, 3, 16, 13))

    assert [(s.user, s.end - s.start) for s in found] == [
        (lead, 7 * 24 * HOUR - HOUR),
        (member, 7 * 24 * HOUR),
    ]
    # Sunday 8 March, 01:59 EST and 03:00 EDT are a minute apart; Alice covers both.
    assert on_call_at(new_york, local(NEW_YORK, 2026, 3, 8, 1, 59)) == [lead]
    assert on_call_at(new_york, local(NEW_YORK, 2026, 3, 8, 3, 0)) == [lead]
    assert on_call_at(new_york, local(NEW_YORK, 2026, 3, 9, 9, 0)) == [member]


# ---------------------------------------------------------------------------------------------
# A handoff at a time that does not exist, or that exists twice


def test_a_handoff_at_0230_on_spring_forward_day_happens_at_0330_summer_time(
    berlin, layer_of, lead, member
):
    """02:30 does not exist on 29 March in Berlin: like zoneinfo, it is shifted forward by the
    length of the gap, to 03:30 CEST (01:30 UTC)."""
    layer_of(berlin, [lead, member], unit="days", handoff=time(2, 30), start=date(2026, 3, 28))

    found = handoffs(berlin, utc(2026, 3, 28, 12), utc(2026, 3, 31, 0))

    assert found == [utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    assert [f"{moment.astimezone(BERLIN):%d %H:%M %Z}" for moment in found] == [
        "29 03:30 CEST",
        "30 02:30 CEST",
    ]
    assert on_call_at(berlin, local(BERLIN, 2026, 3, 29, 3, 29)) == [lead]
    assert on_call_at(berlin, local(BERLIN, 2026, 3, 29, 3, 30)) == [member]


def test_a_handoff_at_0230_on_new_york_spring_forward_day_happens_at_0330_edt(
    new_york, layer_of, lead, member
):
    layer_of(new_york, [lead, member], unit="days", handoff=time(2, 30), start=date(2026, 3, 7))

    assert on_call_at(new_york, utc(2026, 3, 8, 7, 29)) == [lead]  # 03:29 EDT
    assert on_call_at(new_york, utc(2026, 3, 8, 7, 30)) == [member]  # 03:30 EDT


def test_a_handoff_at_0230_on_fall_back_day_happens_at_the_first_0230(
    berlin, layer_of, lead, member
):
    layer_of(berlin, [lead, member], unit="days", handoff=time(2, 30), start=date(2026, 10, 24))

    found = handoffs(berlin, utc(2026, 10, 24, 12), utc(2026, 10, 26, 12))

    # 02:30 CEST (00:30 UTC), not 02:30 CET an hour later.
    assert found == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    assert on_call_at(berlin, utc(2026, 10, 25, 1, 30)) == [member]  # the second 02:30


# ---------------------------------------------------------------------------------------------
# Hourly rotations: 12-hour shifts


def test_twelve_hour_shifts_hand_over_at_0900_and_2100_local_across_spring_forward(
    berlin, layer_of, lead, member
):
    layer_of(berlin, [lead, member], unit="hours", length=12, start=date(2026, 3, 28))

    found = shifts(berlin, utc(2026, 3, 28, 8), utc(2026, 3, 29, 19))

    assert [(s.user, s.start, s.end) for s in found] == [
        (lead, utc(2026, 3, 28, 8), utc(2026, 3, 28, 20)),  # 09:00–21:00 CET
        (member, utc(2026, 3, 28, 20), utc(2026, 3, 29, 7)),  # 21:00 CET–09:00 CEST: 11 hours
        (lead, utc(2026, 3, 29, 7), utc(2026, 3, 29, 19)),  # 09:00–21:00 CEST
    ]
    assert {f"{s.start.astimezone(BERLIN):%H:%M}" for s in found} == {"09:00", "21:00"}


def test_twelve_hour_night_shift_over_fall_back_lasts_13_hours(new_york, layer_of, lead, member):
    layer_of(new_york, [lead, member], unit="hours", length=12, start=date(2026, 10, 31))

    found = shifts(new_york, utc(2026, 10, 31, 13), utc(2026, 11, 1, 14))

    assert [(s.user, s.end - s.start) for s in found] == [(lead, 12 * HOUR), (member, 13 * HOUR)]
    assert found[1].start == local(NEW_YORK, 2026, 10, 31, 21, 0)
    assert found[1].end == local(NEW_YORK, 2026, 11, 1, 9, 0)
    assert on_call_at(new_york, local(NEW_YORK, 2026, 11, 1, 9, 0)) == [lead]


def test_one_hour_turns_skip_the_hour_that_does_not_exist(berlin, layer_of, lead, member):
    """Turns at 01:00, 02:00 and 03:00: the 02:00 turn has no length on 29 March and is
    skipped, so the order of people carries on from the next turn."""
    layer_of(
        berlin, [lead, member], unit="hours", length=1, start=date(2026, 3, 29), handoff=time(0)
    )

    found = shifts(berlin, utc(2026, 3, 28, 23), utc(2026, 3, 29, 3))

    # 00:00 Alice, 01:00 Bob, (02:00 Alice: no such hour), 03:00 Bob, 04:00 Alice.
    assert [(s.user, s.start) for s in found] == [
        (lead, utc(2026, 3, 28, 23)),
        (member, utc(2026, 3, 29, 0)),
        (lead, utc(2026, 3, 29, 2)),
    ]
    assert found[1].end - found[1].start == 2 * HOUR  # Bob: 01:00 CET and 03:00 CEST turns
