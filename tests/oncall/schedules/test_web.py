"""The schedule pages: on call now, the next 14 days with gaps, and the forms that change them."""

import re
from datetime import date, time

import pytest
import time_machine
from django.urls import reverse

from tests.support.clock import BERLIN, local, utc
from tests.support.oncall import schedule_rows
from tests.support.web import form_errors, page_text
from tocsin.accounts.services import update_profile
from tocsin.oncall.schedules.models import Layer, Override, Schedule
from tocsin.oncall.schedules.services import add_override

NOW = utc(2026, 11, 25, 11)  # Wednesday 12:00 in Berlin


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def lives_in_berlin(user):
    update_profile(user=user, display_name=user.display_name, time_zone="Europe/Berlin")


@pytest.fixture
def business_hours(berlin, layer_of, member):
    return layer_of(
        berlin,
        [member],
        name="Business hours",
        start=date(2026, 11, 23),
        restrict_days=[1, 2, 3, 4, 5],
        restrict_start=time(9),
        restrict_end=time(17),
    )


# ---------------------------------------------------------------------------------------------
# Reading


def test_the_main_navigation_leads_to_on_call(signed_in, member):
    response = signed_in(member).get(reverse("schedule-list"))

    assert response.status_code == 200
    assert 'href="/schedules/" aria-current="page">On-call</a>' in response.content.decode()


def test_the_list_shows_who_is_on_call_for_each_schedule(signed_in, berlin, business_hours, member):
    text = page_text(signed_in(member).get(reverse("schedule-list")))

    assert "Payments Europe/Berlin" in text
    assert "Bob Okafor on call until" in text


def test_the_schedule_page_shows_who_is_on_call_now_and_14_days_with_gaps(
    signed_in, berlin, business_hours, member
):
    lives_in_berlin(member)
    response = signed_in(member).get(reverse("schedule-detail", args=[berlin.pk]))

    assert response.status_code == 200
    text = page_text(response)
    assert "On call now Bob Okafor" in text
    assert "Layer Business hours" in text
    days = re.findall(r'<li class="oc-day[^"]*"', response.content.decode())
    assert len(days) == 14
    assert "Wed 25 Nov Today Gap" in text
    assert "00:00–09:00 Nobody on call 09:00–17:00 Bob Okafor Business hours Now" in text
    assert "Sat 28 Nov Gap 00:00–24:00 Nobody on call" in text
    assert "Tue 8 Dec" in text and "Wed 9 Dec" not in text
    assert response.content.decode().count("oc-entry-gap") >= 14


def test_nobody_on_call_now_is_said_loudly(signed_in, berlin, member):
    text = page_text(signed_in(member).get(reverse("schedule-detail", args=[berlin.pk])))

    assert "Nobody is on call now." in text


def test_the_page_shows_the_viewers_zone_beside_the_schedules(
    signed_in, berlin, business_hours, member
):
    update_profile(user=member, display_name=member.display_name, time_zone="America/New_York")
    client = signed_in(member)

    text = page_text(client.get(reverse("schedule-detail", args=[berlin.pk])))
    assert "Days and times in Europe/Berlin" in text
    assert "09:00–17:00 Bob Okafor Business hours Now Wed 03:00–11:00 your time" in text

    mine = page_text(client.get(reverse("schedule-detail", args=[berlin.pk]) + "?zone=mine"))
    assert "Days and times in your zone, America/New_York" in mine
    assert "03:00–11:00 Bob Okafor Business hours Now Wed 09:00–17:00 Europe/Berlin" in mine


def test_a_day_when_the_clocks_change_says_so(signed_in, berlin, member):
    with time_machine.travel(utc(2027, 3, 20, 12), tick=False):
        text = page_text(signed_in(member).get(reverse("schedule-detail", args=[berlin.pk])))

    assert "Sun 28 Mar Gap Clocks go forward: a 23-hour day" in text


def test_the_calendar_address_is_for_the_team_only(signed_in, berlin, member, outsider):
    address = f"/calendars/schedules/{berlin.calendar_token}.ics"
    assert (
        address
        in signed_in(member).get(reverse("schedule-detail", args=[berlin.pk])).content.decode()
    )
    assert (
        address
        not in signed_in(outsider)
        .get(reverse("schedule-detail", args=[berlin.pk]))
        .content.decode()
    )


# ---------------------------------------------------------------------------------------------
# Schedules and layers


def test_a_lead_creates_a_schedule_and_its_first_layer(signed_in, payments, lead, member):
    client = signed_in(lead)

    response = client.post(
        reverse("schedule-create"),
        {"team": payments.pk, "name": "Primary", "time_zone": "Europe/Berlin", "description": ""},
    )
    schedule = Schedule.objects.get(name="Primary")
    assert response.status_code == 302
    assert response["Location"] == reverse("layer-create", args=[schedule.pk])

    response = client.post(
        reverse("layer-create", args=[schedule.pk]),
        {
            "name": "Weekly",
            "participants": "alice@example.com\nbob@example.com",
            "rotation_length": "1",
            "rotation_unit": "weeks",
            "handoff_time": "09:00",
            "start_date": "2026-11-23",
            "position": "",
            "restrict_days": ["1", "2", "3", "4", "5"],
            "restrict_start": "",
            "restrict_end": "",
        },
    )
    assert response.status_code == 302, form_errors(response)
    layer = schedule.layers.get()
    assert [turn.user.email for turn in layer.turns.order_by("position")] == [
        "alice@example.com",
        "bob@example.com",
    ]
    assert layer.restrict_days == [1, 2, 3, 4, 5]
    text = page_text(client.get(reverse("schedule-detail", args=[schedule.pk])))
    assert "Every week, handing over Monday 09:00 Only Mon–Fri" in text


def test_a_bad_schedule_form_is_refused_with_the_reason_and_nothing_stored(
    signed_in, payments, berlin, lead
):
    before = schedule_rows()
    response = signed_in(lead).post(
        reverse("schedule-create"),
        {"team": payments.pk, "name": berlin.name, "time_zone": "Europe/Berlin"},
    )

    assert response.status_code == 422
    assert form_errors(response) == [
        "Payments already has a schedule named 'Payments Europe/Berlin'"
    ]
    assert schedule_rows() == before


def test_a_layer_with_someone_outside_the_team_is_refused(signed_in, berlin, lead):
    before = schedule_rows()
    response = signed_in(lead).post(
        reverse("layer-create", args=[berlin.pk]),
        {
            "name": "Weekly",
            "participants": "alice@example.com\nghost@example.com",
            "rotation_length": "1",
            "rotation_unit": "weeks",
            "handoff_time": "09:00",
            "start_date": "2026-11-23",
        },
    )

    assert response.status_code == 422
    assert form_errors(response) == [
        "No one signs in as ghost@example.com: give e-mail addresses of team members."
    ]
    assert schedule_rows() == before


def test_a_half_restriction_is_a_form_error(signed_in, berlin, lead):
    response = signed_in(lead).post(
        reverse("layer-create", args=[berlin.pk]),
        {
            "name": "Weekly",
            "participants": "alice@example.com",
            "rotation_length": "1",
            "rotation_unit": "weeks",
            "handoff_time": "09:00",
            "start_date": "2026-11-23",
            "restrict_start": "09:00",
        },
    )

    assert response.status_code == 422
    assert form_errors(response) == [
        "give both the start and the end of the daily window, or neither"
    ]
    assert not Layer.objects.exists()


def test_members_cannot_reach_the_layer_form(signed_in, berlin, member):
    response = signed_in(member).get(reverse("layer-create", args=[berlin.pk]))

    assert response.status_code == 302
    assert not Layer.objects.exists()


def test_a_lead_edits_and_removes_a_layer(signed_in, berlin, business_hours, lead, member):
    client = signed_in(lead)
    edit = reverse("layer-edit", args=[berlin.pk, business_hours.pk])
    assert "bob@example.com" in client.get(edit).content.decode()

    response = client.post(
        edit,
        {
            "name": "Office",
            "participants": "alice@example.com",
            "rotation_length": "1",
            "rotation_unit": "days",
            "handoff_time": "09:00",
            "start_date": "2026-11-23",
        },
    )
    assert response.status_code == 302, form_errors(response)
    business_hours.refresh_from_db()
    assert (business_hours.name, business_hours.restrict_days) == ("Office", [])

    client.post(reverse("layer-delete", args=[berlin.pk, business_hours.pk]))
    assert not Layer.objects.exists()


# ---------------------------------------------------------------------------------------------
# Overrides


def test_a_member_takes_the_friday_shift(signed_in, berlin, business_hours, other_member):
    lives_in_berlin(other_member)
    client = signed_in(other_member)

    response = client.post(
        reverse("override-create", args=[berlin.pk]),
        {"user": other_member.pk, "starts_at": "2026-11-27T09:00", "ends_at": "2026-11-28T09:00"},
    )

    assert response.status_code == 302
    override = Override.objects.get()
    # The times are read in the schedule's zone, whatever the viewer's.
    assert (override.starts_at, override.ends_at) == (
        local(BERLIN, 2026, 11, 27, 9, 0),
        local(BERLIN, 2026, 11, 28, 9, 0),
    )
    text = page_text(client.get(reverse("schedule-detail", args=[berlin.pk])))
    assert "Fri 27 Nov Gap 00:00–09:00 Nobody on call 09:00–24:00 Erin Walsh override" in text


def test_a_member_is_only_offered_themselves(signed_in, berlin, member, other_member):
    response = signed_in(member).get(reverse("schedule-detail", args=[berlin.pk]))

    options = re.findall(r'<option value="(\d+)"', response.content.decode())
    assert options == [str(member.pk)]


def test_a_member_posting_someone_else_gets_a_form_error_and_nothing_is_stored(
    signed_in, berlin, member, other_member
):
    response = signed_in(member).post(
        reverse("override-create", args=[berlin.pk]),
        {"user": other_member.pk, "starts_at": "2026-11-27T09:00", "ends_at": "2026-11-28T09:00"},
    )

    assert response.status_code == 422
    assert form_errors(response) == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Override.objects.exists()


def test_an_override_that_ends_before_it_starts_is_a_form_error(signed_in, berlin, lead, member):
    response = signed_in(lead).post(
        reverse("override-create", args=[berlin.pk]),
        {"user": member.pk, "starts_at": "2026-11-28T09:00", "ends_at": "2026-11-27T09:00"},
    )

    assert response.status_code == 422
    assert form_errors(response) == ["the override must end after it starts"]
    assert not Override.objects.exists()


def test_a_member_removes_their_own_override_from_the_page(signed_in, berlin, member):
    add_override(
        schedule=berlin,
        user=member,
        starts_at=utc(2026, 11, 27, 8),
        ends_at=utc(2026, 11, 28, 8),
        by=member,
    )
    override = Override.objects.get()
    client = signed_in(member)
    assert (
        "Remove the override for Bob Okafor"
        in client.get(reverse("schedule-detail", args=[berlin.pk])).content.decode()
    )

    client.post(reverse("override-delete", args=[berlin.pk, override.pk]))

    assert not Override.objects.exists()


# ---------------------------------------------------------------------------------------------
# Calendars


def test_a_person_creates_and_rotates_their_calendar_address(signed_in, client, member):
    signed_in(member).post(reverse("personal-calendar-create"))
    first = member.oncall_calendar.calendar_token
    assert f"/calendars/people/{first}.ics" in client.get(reverse("schedule-list")).content.decode()

    client.post(reverse("personal-calendar-rotate"), {"confirm": "on"})

    member.oncall_calendar.refresh_from_db()
    assert member.oncall_calendar.calendar_token != first
    client.logout()
    assert client.get(f"/calendars/people/{first}.ics").status_code == 404
    token = member.oncall_calendar.calendar_token
    assert client.get(f"/calendars/people/{token}.ics").status_code == 200


def test_rotating_the_schedule_address_needs_a_lead_and_a_tick(signed_in, berlin, lead, member):
    first = berlin.calendar_token

    signed_in(member).post(reverse("schedule-rotate-calendar", args=[berlin.pk]), {"confirm": "on"})
    assert Schedule.objects.get(pk=berlin.pk).calendar_token == first
    signed_in(lead).post(reverse("schedule-rotate-calendar", args=[berlin.pk]), {})
    assert Schedule.objects.get(pk=berlin.pk).calendar_token == first

    signed_in(lead).post(reverse("schedule-rotate-calendar", args=[berlin.pk]), {"confirm": "on"})
    assert Schedule.objects.get(pk=berlin.pk).calendar_token != first


def test_pages_need_sign_in_but_calendar_feeds_do_not(client, berlin):
    assert client.get(reverse("schedule-detail", args=[berlin.pk])).status_code == 302
    assert client.get(f"/calendars/schedules/{berlin.calendar_token}.ics").status_code == 200


def test_the_forms_open_for_a_lead_with_sensible_defaults(signed_in, berlin, payments, lead):
    lives_in_berlin(lead)
    client = signed_in(lead)

    new = client.get(reverse("schedule-create"))
    edit = client.get(reverse("schedule-edit", args=[berlin.pk]))
    layer = client.get(reverse("layer-create", args=[berlin.pk]))

    assert new.status_code == edit.status_code == layer.status_code == 200
    assert '<option value="Europe/Berlin" selected>' in new.content.decode()
    assert f'<option value="{payments.pk}" selected>' in new.content.decode()
    assert 'value="Payments Europe/Berlin"' in edit.content.decode()
    assert 'value="Primary"' in layer.content.decode()
    assert 'value="2026-11-25"' in layer.content.decode()  # today in Berlin
    assert "alice@example.com" in page_text(layer)


def test_a_member_cannot_edit_the_schedule(signed_in, berlin, member):
    response = signed_in(member).post(
        reverse("schedule-edit", args=[berlin.pk]),
        {"name": "Mine", "time_zone": "UTC", "description": ""},
    )

    assert response.status_code == 302
    assert Schedule.objects.get(pk=berlin.pk).name == "Payments Europe/Berlin"
