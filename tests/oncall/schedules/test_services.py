"""Who may change schedules, and bad input that is refused with nothing stored."""

from contextlib import contextmanager
from datetime import date, datetime, time

import pytest

from tests.support.clock import BERLIN, local
from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.oncall.schedules.models import Layer, LayerParticipant, Override, Schedule
from tocsin.oncall.schedules.services import (
    add_layer,
    add_override,
    create_schedule,
    delete_layer,
    delete_override,
    rotate_calendar_token,
    update_layer,
    update_schedule,
)

FRIDAY_0900 = local(BERLIN, 2026, 11, 27, 9, 0)
SATURDAY_0900 = local(BERLIN, 2026, 11, 28, 9, 0)


@contextmanager
def nothing_stored():
    before = [model.objects.count() for model in (Schedule, Layer, LayerParticipant, Override)]
    yield
    after = [model.objects.count() for model in (Schedule, Layer, LayerParticipant, Override)]
    assert after == before


def layer_arguments(**changes):
    arguments = {
        "name": "Primary",
        "handoff_time": time(9),
        "start_date": date(2026, 11, 23),
        "rotation_unit": "weeks",
        "rotation_length": 1,
    }
    return {**arguments, **changes}


# ---------------------------------------------------------------------------------------------
# Schedules


def test_a_lead_creates_a_schedule_for_their_team(payments, lead):
    schedule = create_schedule(team=payments, name="Primary", time_zone="Europe/Berlin", by=lead)

    assert (schedule.team, schedule.name, schedule.time_zone) == (
        payments,
        "Primary",
        "Europe/Berlin",
    )


def test_an_admin_creates_a_schedule_for_any_team(payments, admin):
    assert create_schedule(team=payments, name="Primary", time_zone="UTC", by=admin).pk


@pytest.mark.parametrize("who", ["member", "outsider", "viewer"])
def test_members_outsiders_and_viewers_cannot_create_schedules(request, payments, who):
    person = request.getfixturevalue(who)
    with nothing_stored(), pytest.raises(PermissionDenied):
        create_schedule(team=payments, name="Primary", time_zone="UTC", by=person)


def test_a_lead_of_another_team_cannot_change_payments_schedules(berlin, platform, outsider, lead):
    platform.memberships.filter(user=outsider).update(role="lead")

    with pytest.raises(PermissionDenied, match="lead of Payments"):
        update_schedule(schedule=berlin, by=outsider, name="Mine")
    assert Schedule.objects.get(pk=berlin.pk).name == berlin.name


@pytest.mark.parametrize(
    ("name", "time_zone", "field", "message"),
    [
        ("", "Europe/Berlin", "name", "give the schedule a name"),
        ("x" * 101, "Europe/Berlin", "name", "longer than 100"),
        ("Primary", "Europe/Atlantis", "time_zone", "not a known time zone"),
        ("Primary", "", "time_zone", "not a known time zone"),
    ],
)
def test_a_schedule_needs_a_name_and_a_real_time_zone(
    payments, lead, name, time_zone, field, message
):
    with nothing_stored(), pytest.raises(ValidationFailed, match=message) as error:
        create_schedule(team=payments, name=name, time_zone=time_zone, by=lead)
    assert error.value.field == field


def test_two_schedules_of_a_team_cannot_share_a_name(berlin, payments, lead):
    with nothing_stored(), pytest.raises(Conflict, match="already has a schedule"):
        create_schedule(team=payments, name=berlin.name, time_zone="UTC", by=lead)


# ---------------------------------------------------------------------------------------------
# Layers


def test_only_members_of_the_team_can_take_turns(berlin, lead, outsider):
    with nothing_stored(), pytest.raises(ValidationFailed, match="Carol Jensen not in Payments"):
        add_layer(schedule=berlin, by=lead, participants=[lead, outsider], **layer_arguments())


def test_a_member_cannot_add_a_layer(berlin, member):
    with nothing_stored(), pytest.raises(PermissionDenied):
        add_layer(schedule=berlin, by=member, participants=[member], **layer_arguments())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"participants": []}, "participants", "at least one person"),
        ({"rotation_length": 0}, "rotation_length", "between 1 and 52 weeks"),
        ({"rotation_length": 53}, "rotation_length", "between 1 and 52 weeks"),
        ({"rotation_unit": "fortnights"}, "rotation_unit", "unknown rotation unit"),
        ({"handoff_time": None}, "handoff_time", "give the handoff time"),
        ({"start_date": date(1999, 12, 31)}, "start_date", "between the years 2000"),
        ({"restrict_days": [0, 8]}, "restrict_days", "ISO weekday numbers"),
        ({"restrict_start": time(9)}, "restrict_end", "both the start and the end"),
        (
            {"restrict_start": time(9), "restrict_end": time(9)},
            "restrict_end",
            "would be empty",
        ),
        ({"position": 3}, "position", "priority must be between 1"),
    ],
)
def test_a_layer_with_bad_settings_is_refused_and_nothing_is_stored(
    berlin, lead, member, changes, field, message
):
    arguments = {"participants": [lead, member], **layer_arguments(**changes)}
    with nothing_stored(), pytest.raises(ValidationFailed, match=message) as error:
        add_layer(schedule=berlin, by=lead, **arguments)
    assert error.value.field == field


def test_layers_are_kept_in_priority_order_when_added_moved_and_removed(berlin, lead):
    first = add_layer(schedule=berlin, by=lead, participants=[lead], **layer_arguments(name="A"))
    second = add_layer(schedule=berlin, by=lead, participants=[lead], **layer_arguments(name="B"))
    third = add_layer(
        schedule=berlin, by=lead, participants=[lead], **layer_arguments(name="C", position=1)
    )

    def order():
        return list(berlin.layers.order_by("position").values_list("name", "position"))

    assert order() == [("C", 1), ("A", 2), ("B", 3)]
    update_layer(layer=second, by=lead, position=1)
    assert order() == [("B", 1), ("C", 2), ("A", 3)]
    delete_layer(layer=third, by=lead)
    assert order() == [("B", 1), ("A", 2)]
    assert first.pk in berlin.layers.values_list("pk", flat=True)


def test_changing_a_layer_replaces_its_turns(berlin, lead, member, other_member):
    layer = add_layer(schedule=berlin, by=lead, participants=[lead], **layer_arguments())

    update_layer(layer=layer, by=lead, participants=[other_member, member], rotation_unit="days")

    layer.refresh_from_db()
    assert [turn.user for turn in layer.turns.order_by("position")] == [other_member, member]
    assert layer.rotation_unit == "days"


def test_a_refused_layer_change_changes_nothing(berlin, lead, member, outsider):
    layer = add_layer(schedule=berlin, by=lead, participants=[lead], **layer_arguments())

    with pytest.raises(ValidationFailed):
        update_layer(layer=layer, by=lead, name="Renamed", participants=[outsider])
    layer.refresh_from_db()
    assert layer.name == "Primary"
    assert [turn.user for turn in layer.turns.all()] == [lead]


# ---------------------------------------------------------------------------------------------
# Overrides


def test_a_member_may_add_an_override_for_themselves(berlin, member):
    override = add_override(
        schedule=berlin, user=member, starts_at=FRIDAY_0900, ends_at=SATURDAY_0900, by=member
    )

    assert (override.user, override.created_by) == (member, member)


def test_a_member_may_not_put_someone_else_on_call(berlin, member, other_member):
    with nothing_stored(), pytest.raises(PermissionDenied, match="members may add an override"):
        add_override(
            schedule=berlin,
            user=other_member,
            starts_at=FRIDAY_0900,
            ends_at=SATURDAY_0900,
            by=member,
        )


def test_a_lead_may_put_anyone_in_the_team_on_call(berlin, lead, other_member):
    assert add_override(
        schedule=berlin, user=other_member, starts_at=FRIDAY_0900, ends_at=SATURDAY_0900, by=lead
    ).pk


def test_nobody_outside_the_team_can_be_put_on_call(berlin, lead, outsider):
    with nothing_stored(), pytest.raises(ValidationFailed, match="not a member of Payments"):
        add_override(
            schedule=berlin, user=outsider, starts_at=FRIDAY_0900, ends_at=SATURDAY_0900, by=lead
        )


@pytest.mark.parametrize("who", ["outsider", "viewer"])
def test_outsiders_and_viewers_cannot_add_overrides_even_for_themselves(request, berlin, who):
    person = request.getfixturevalue(who)
    with nothing_stored(), pytest.raises(PermissionDenied):
        add_override(
            schedule=berlin, user=person, starts_at=FRIDAY_0900, ends_at=SATURDAY_0900, by=person
        )


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "field", "message"),
    [
        (SATURDAY_0900, FRIDAY_0900, "ends_at", "must end after it starts"),
        (FRIDAY_0900, FRIDAY_0900, "ends_at", "must end after it starts"),
        (datetime(2026, 11, 27, 9), SATURDAY_0900, "starts_at", "needs a date, a time and a time"),
        (FRIDAY_0900, local(BERLIN, 2028, 1, 1, 0, 0), "ends_at", "at most a year"),
    ],
)
def test_an_override_needs_a_real_stretch_of_time(
    berlin, member, starts_at, ends_at, field, message
):
    with nothing_stored(), pytest.raises(ValidationFailed, match=message) as error:
        add_override(schedule=berlin, user=member, starts_at=starts_at, ends_at=ends_at, by=member)
    assert error.value.field == field


def test_members_remove_their_own_overrides_but_not_others(berlin, lead, member, other_member):
    theirs = add_override(
        schedule=berlin, user=other_member, starts_at=FRIDAY_0900, ends_at=SATURDAY_0900, by=lead
    )
    mine = add_override(
        schedule=berlin, user=member, starts_at=FRIDAY_0900, ends_at=SATURDAY_0900, by=member
    )

    with pytest.raises(PermissionDenied):
        delete_override(override=theirs, by=member)
    delete_override(override=mine, by=member)

    assert list(Override.objects.all()) == [theirs]


# ---------------------------------------------------------------------------------------------
# Calendar tokens


def test_only_the_hash_of_the_calendar_token_is_stored_and_rotating_changes_it(
    berlin, lead, member
):
    token = berlin.calendar_token
    stored = Schedule.objects.filter(pk=berlin.pk).values().get()
    assert token not in str(stored)

    with pytest.raises(PermissionDenied):
        rotate_calendar_token(schedule=berlin, by=member)
    rotated = rotate_calendar_token(schedule=berlin, by=lead)

    assert rotated.calendar_token != token
    assert not Schedule.objects.filter(calendar_token_hash=berlin.calendar_token_hash).exists()
