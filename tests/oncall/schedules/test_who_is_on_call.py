"""Who is on call: restrictions, layer priority, overrides, gaps, and the shifts in between.

The week of Monday 23 November 2026 in Europe/Berlin (CET, UTC+1) unless a test says otherwise.
"""

from datetime import date, time, timedelta

import pytest

from tests.support.clock import BERLIN, local, utc
from tocsin.oncall.schedules.models import Override
from tocsin.oncall.schedules.selectors import (
    gaps,
    on_call_at,
    shift_at,
    shifts,
    shifts_of,
    timeline,
)
from tocsin.oncall.schedules.services import add_override, update_schedule

MONDAY = date(2026, 11, 23)
WEEKDAYS = [1, 2, 3, 4, 5]


def berlin_time(day: int, hour: int, minute: int = 0):
    return local(BERLIN, 2026, 11, day, hour, minute)


@pytest.fixture
def business_hours(berlin, layer_of, lead):
    """Alice, weekdays 09:00–17:00 only."""
    return layer_of(
        berlin,
        [lead],
        name="Business hours",
        start=MONDAY,
        restrict_days=WEEKDAYS,
        restrict_start=time(9),
        restrict_end=time(17),
    )


# ---------------------------------------------------------------------------------------------
# Restrictions


def test_a_layer_restricted_to_weekdays_0900_to_1700_has_nobody_outside_them(
    berlin, business_hours, lead
):
    assert on_call_at(berlin, berlin_time(25, 9)) == [lead]  # Wednesday 09:00
    assert on_call_at(berlin, berlin_time(25, 16, 59)) == [lead]
    assert on_call_at(berlin, berlin_time(25, 17)) == []
    assert on_call_at(berlin, berlin_time(25, 8, 59)) == []
    assert on_call_at(berlin, berlin_time(28, 12)) == []  # Saturday noon


def test_restriction_windows_stay_at_local_hours_across_daylight_saving(berlin, layer_of, lead):
    layer_of(
        berlin,
        [lead],
        start=date(2026, 3, 23),
        restrict_days=WEEKDAYS,
        restrict_start=time(9),
        restrict_end=time(17),
    )

    found = shifts(berlin, utc(2026, 3, 26, 0), utc(2026, 3, 31, 0))

    assert [(s.start, s.end) for s in found] == [
        (utc(2026, 3, 26, 8), utc(2026, 3, 26, 16)),  # Thursday, CET
        (utc(2026, 3, 27, 8), utc(2026, 3, 27, 16)),  # Friday, CET
        (utc(2026, 3, 30, 7), utc(2026, 3, 30, 15)),  # Monday, CEST
    ]


def test_a_night_window_belongs_to_the_day_it_starts_on(berlin, layer_of, member):
    """Friday 22:00 → Saturday 06:00 is Friday's window; Sunday night has none."""
    layer_of(
        berlin,
        [member],
        name="Nights",
        start=MONDAY,
        restrict_days=WEEKDAYS,
        restrict_start=time(22),
        restrict_end=time(6),
    )

    assert on_call_at(berlin, berlin_time(28, 3)) == [member]  # Saturday 03:00
    assert on_call_at(berlin, berlin_time(28, 7)) == []
    assert on_call_at(berlin, berlin_time(30, 3)) == []  # Monday 03:00: Sunday night
    assert on_call_at(berlin, berlin_time(30, 23)) == [member]


def test_a_restricted_rotation_keeps_its_turns_and_only_hides_the_hours(
    berlin, layer_of, lead, member
):
    """Daily turns Alice, Bob; the layer only covers 09:00–17:00. Tuesday is still Bob's."""
    layer_of(
        berlin,
        [lead, member],
        unit="days",
        start=MONDAY,
        handoff=time(0),
        restrict_start=time(9),
        restrict_end=time(17),
    )

    found = shifts(berlin, berlin_time(23, 0), berlin_time(25, 0))

    assert [(s.user, s.start, s.end) for s in found] == [
        (lead, berlin_time(23, 9), berlin_time(23, 17)),
        (member, berlin_time(24, 9), berlin_time(24, 17)),
    ]


# ---------------------------------------------------------------------------------------------
# Layer priority


def test_the_highest_layer_with_someone_on_call_decides(
    berlin, layer_of, business_hours, lead, member, other_member
):
    layer_of(berlin, [member, other_member], name="Around the clock", start=MONDAY)
    assert business_hours.position == 1

    assert on_call_at(berlin, berlin_time(25, 12)) == [lead]  # business hours: layer 1
    assert on_call_at(berlin, berlin_time(25, 20)) == [member]  # evening: layer 2
    assert on_call_at(berlin, berlin_time(28, 12)) == [member]  # weekend: layer 2
    assert on_call_at(berlin, berlin_time(30, 12)) == [lead]
    assert on_call_at(berlin, berlin_time(30, 8)) == [member]  # layer 2 hands over at 09:00
    assert on_call_at(berlin, berlin_time(30, 18)) == [other_member]


def test_a_new_layer_at_priority_1_goes_above_the_others(berlin, layer_of, business_hours, member):
    weekly = layer_of(berlin, [member], name="Everything", start=MONDAY, position=1)

    business_hours.refresh_from_db()
    assert (weekly.position, business_hours.position) == (1, 2)
    assert on_call_at(berlin, berlin_time(25, 12)) == [member]


def test_shifts_say_which_layer_put_someone_on_call(berlin, layer_of, business_hours, lead, member):
    evenings = layer_of(berlin, [member], name="Around the clock", start=MONDAY)

    found = shifts(berlin, berlin_time(25, 0), berlin_time(26, 0))

    assert [(s.user, s.start, s.end, s.layer) for s in found] == [
        (member, berlin_time(25, 0), berlin_time(25, 9), evenings),
        (lead, berlin_time(25, 9), berlin_time(25, 17), business_hours),
        (member, berlin_time(25, 17), berlin_time(26, 0), evenings),
    ]
    assert all(s.override is None for s in found)


# ---------------------------------------------------------------------------------------------
# Overrides


@pytest.fixture
def weekly(berlin, layer_of, lead, member):
    """Alice this week, Bob next week, handing over Mondays 09:00."""
    return layer_of(berlin, [lead, member], start=MONDAY)


def test_a_friday_override_puts_someone_else_on_call_for_exactly_that_time(
    berlin, weekly, lead, other_member
):
    override = add_override(
        schedule=berlin,
        user=other_member,
        starts_at=berlin_time(27, 9),
        ends_at=berlin_time(28, 9),
        by=lead,
        reason="Alice at the dentist",
    )

    assert on_call_at(berlin, berlin_time(27, 8, 59)) == [lead]
    assert on_call_at(berlin, berlin_time(27, 9)) == [other_member]
    assert on_call_at(berlin, berlin_time(27, 23)) == [other_member]
    assert on_call_at(berlin, berlin_time(28, 9)) == [lead]
    friday = shift_at(berlin, berlin_time(27, 12))
    assert (friday.start, friday.end, friday.override) == (
        berlin_time(27, 9),
        berlin_time(28, 9),
        override,
    )
    assert friday.source_name == "Override"


def test_an_override_wins_over_every_layer_and_fills_a_gap(berlin, business_hours, lead, member):
    add_override(
        schedule=berlin,
        user=member,
        starts_at=berlin_time(27, 12),
        ends_at=berlin_time(28, 12),
        by=member,
    )

    assert on_call_at(berlin, berlin_time(27, 13)) == [member]  # over business hours
    assert on_call_at(berlin, berlin_time(27, 20)) == [member]  # in what was a gap
    assert on_call_at(berlin, berlin_time(28, 12)) == []


def test_where_overrides_overlap_the_newest_wins(berlin, weekly, lead, member, other_member):
    add_override(
        schedule=berlin,
        user=member,
        starts_at=berlin_time(27, 0),
        ends_at=berlin_time(30, 0),
        by=lead,
    )
    add_override(
        schedule=berlin,
        user=other_member,
        starts_at=berlin_time(28, 10),
        ends_at=berlin_time(28, 14),
        by=lead,
    )

    assert on_call_at(berlin, berlin_time(28, 9)) == [member]
    assert on_call_at(berlin, berlin_time(28, 12)) == [other_member]
    assert on_call_at(berlin, berlin_time(28, 15)) == [member]
    assert [s.user for s in shifts(berlin, berlin_time(27, 0), berlin_time(30, 0))] == [
        member,
        other_member,
        member,
    ]


def test_a_deleted_override_no_longer_counts(berlin, weekly, lead, member):
    add_override(
        schedule=berlin,
        user=member,
        starts_at=berlin_time(27, 9),
        ends_at=berlin_time(28, 9),
        by=lead,
    )
    Override.objects.all().delete()

    assert on_call_at(berlin, berlin_time(27, 12)) == [lead]


# ---------------------------------------------------------------------------------------------
# Gaps


def test_gaps_are_the_stretches_with_nobody_on_call(berlin, business_hours):
    found = gaps(berlin, berlin_time(27, 0), berlin_time(30, 12))

    assert found == [
        (berlin_time(27, 0), berlin_time(27, 9)),
        (berlin_time(27, 17), berlin_time(30, 9)),  # the weekend is one gap
    ]


def test_a_schedule_without_layers_is_one_gap(berlin):
    start, end = berlin_time(23, 0), berlin_time(30, 0)

    assert gaps(berlin, start, end) == [(start, end)]
    assert shifts(berlin, start, end) == []
    assert on_call_at(berlin, berlin_time(25, 12)) == []


def test_nobody_is_on_call_before_a_layer_starts(berlin, layer_of, lead):
    layer_of(berlin, [lead], start=date(2026, 11, 25), unit="days")

    assert on_call_at(berlin, berlin_time(25, 8, 59)) == []
    assert on_call_at(berlin, berlin_time(25, 9)) == [lead]
    assert gaps(berlin, berlin_time(25, 0), berlin_time(26, 0)) == [
        (berlin_time(25, 0), berlin_time(25, 9))
    ]


def test_the_timeline_covers_the_range_without_holes(berlin, business_hours, member):
    add_override(
        schedule=berlin,
        user=member,
        starts_at=berlin_time(26, 20),
        ends_at=berlin_time(27, 10),
        by=member,
    )
    start, end = berlin_time(23, 0), berlin_time(30, 0)

    pieces = timeline(berlin, start, end)

    assert pieces[0].start == start and pieces[-1].end == end
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False))


# ---------------------------------------------------------------------------------------------
# Edges


def test_a_person_may_take_several_turns(berlin, layer_of, lead, member):
    layer_of(berlin, [lead, lead, member], unit="days", start=MONDAY)

    assert on_call_at(berlin, berlin_time(24, 12)) == [lead]
    assert on_call_at(berlin, berlin_time(25, 12)) == [member]
    # Two turns of the same person in a row are one shift.
    assert shift_at(berlin, berlin_time(24, 12)).start == berlin_time(23, 9)


def test_moving_a_schedule_to_another_zone_keeps_its_wall_clock_times(berlin, weekly, lead, member):
    moved = update_schedule(schedule=berlin, by=lead, time_zone="America/New_York")

    handoff = shifts(moved, utc(2026, 11, 30, 0), utc(2026, 12, 1, 0))[1].start
    assert handoff == utc(2026, 11, 30, 14)  # Monday 09:00 EST


def test_one_persons_shifts_across_schedules(schedule_in, layer_of, lead, member):
    first = schedule_in("Europe/Berlin", name="Primary")
    second = schedule_in("America/New_York", name="Database")
    layer_of(first, [lead, member], start=MONDAY)
    layer_of(second, [member], start=MONDAY, unit="days")

    found = shifts_of(member, berlin_time(23, 0), berlin_time(30, 0))

    assert {s.source.schedule_id for s in found} == {second.pk}
    assert all(s.user == member for s in found)
    assert found == sorted(found, key=lambda s: s.start)


def test_on_call_at_refuses_an_instant_without_time_zone(berlin):
    with pytest.raises(ValueError, match="no time zone"):
        on_call_at(berlin, berlin_time(25, 12).replace(tzinfo=None))


def test_a_long_rotation_is_found_far_from_its_start(berlin, layer_of, lead, member):
    layer_of(berlin, [lead, member], start=date(2001, 1, 1), unit="hours", length=12)

    on_call = on_call_at(berlin, local(BERLIN, 2199, 6, 2, 8, 59))
    assert on_call in ([lead], [member])
    assert (
        timedelta(0)
        < shift_at(berlin, local(BERLIN, 2199, 6, 2, 8, 59)).end - local(BERLIN, 2199, 6, 2, 8, 59)
        <= timedelta(minutes=1)
    )
