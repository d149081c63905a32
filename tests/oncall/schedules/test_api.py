"""The schedules API: who is on call now, at any instant and for the next 14 days."""

from datetime import date, time

import pytest
import time_machine

from tests.support.api import ApiClient, assert_error
from tests.support.clock import utc
from tests.support.oncall import schedule_rows
from tocsin.oncall.schedules.models import Override

NOW = utc(2026, 11, 25, 11)  # Wednesday 12:00 in Berlin


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def weekly(berlin, layer_of, lead, member):
    return layer_of(berlin, [lead, member], start=date(2026, 11, 16))


# ---------------------------------------------------------------------------------------------
# Reading


def test_the_schedule_says_who_is_on_call_now_and_the_next_14_days(
    api_as, berlin, layer_of, member, lead
):
    layer_of(
        berlin,
        [member],
        name="Business hours",
        start=date(2026, 11, 23),
        restrict_days=[1, 2, 3, 4, 5],
        restrict_start=time(9),
        restrict_end=time(17),
    )

    response = api_as(member).get(f"/schedules/{berlin.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["time_zone"] == "Europe/Berlin"
    assert body["team"] == {"slug": "payments", "name": "Payments"}
    assert [user["email"] for user in body["on_call_now"]] == ["bob@example.com"]
    assert body["current_shift"]["source"] == {
        "kind": "layer",
        "id": berlin.layers.get().pk,
        "name": "Business hours",
    }
    assert body["current_shift"]["end"] == "2026-11-25T16:00:00Z"
    assert body["shifts"][0]["start"] == "2026-11-25T11:00:00Z"  # clipped to now
    assert body["gaps"][0] == {"start": "2026-11-25T16:00:00Z", "end": "2026-11-26T08:00:00Z"}
    assert body["window_end"] == "2026-12-09T11:00:00Z"
    assert len(body["shifts"]) == 11  # every weekday from this Wednesday to the next but one
    assert body["layers"][0]["participants"][0]["email"] == "bob@example.com"
    assert body["layers"][0]["restrict_days"] == [1, 2, 3, 4, 5]
    assert body["calendar_url"].endswith(f"/calendars/schedules/{berlin.calendar_token}.ics")


def test_the_calendar_address_is_only_shown_to_the_team_and_admins(api_as, berlin, outsider, admin):
    assert api_as(outsider).get(f"/schedules/{berlin.pk}").json()["calendar_url"] is None
    assert api_as(admin).get(f"/schedules/{berlin.pk}").json()["calendar_url"]


def test_who_is_on_call_at_an_instant(api_as, berlin, weekly, member, lead):
    client = api_as(member)

    before = client.get(f"/schedules/{berlin.pk}/on-call", at="2026-11-30T08:59:00+01:00")
    after = client.get(f"/schedules/{berlin.pk}/on-call", at="2026-11-30T08:00:00Z")
    now = client.get(f"/schedules/{berlin.pk}/on-call")

    assert [u["email"] for u in before.json()["users"]] == ["bob@example.com"]
    assert [u["email"] for u in after.json()["users"]] == ["alice@example.com"]
    assert after.json()["shift"]["start"] == "2026-11-30T08:00:00Z"
    assert now.json()["at"] == "2026-11-25T11:00:00Z"


def test_nobody_on_call_is_an_empty_list(api_as, berlin, member):
    body = api_as(member).get(f"/schedules/{berlin.pk}/on-call").json()
    assert body["users"] == [] and body["shift"] is None


def test_an_instant_without_time_zone_is_refused(api_as, berlin, member):
    response = api_as(member).get(f"/schedules/{berlin.pk}/on-call", at="2026-11-30T09:00")
    assert_error(response, 422, "validation_failed", field="at", message_contains="time zone")

    response = api_as(member).get(f"/schedules/{berlin.pk}/on-call", at="next tuesday")
    assert_error(response, 422, "validation_failed", field="at")


def test_listing_and_filtering_schedules(api_as, berlin, member):
    assert [s["name"] for s in api_as(member).get("/schedules").json()] == [berlin.name]
    assert api_as(member).get("/schedules", team="payments").json()[0]["id"] == berlin.pk
    assert_error(
        api_as(member).get("/schedules", team="nope"), 422, "validation_failed", field="team"
    )


def test_an_unknown_schedule_is_404(api_as, member):
    assert_error(api_as(member).get("/schedules/999"), 404, "not_found")


def test_reading_needs_credentials(berlin):
    assert_error(ApiClient().get(f"/schedules/{berlin.pk}"), 401, "unauthenticated")


# ---------------------------------------------------------------------------------------------
# Writing


def test_a_lead_sets_up_a_weekly_rotation_with_a_friday_override(api_as, payments, lead, member):
    client = api_as(lead)

    created = client.post(
        "/schedules", {"team": "payments", "name": "Primary", "time_zone": "Europe/Berlin"}
    )
    assert created.status_code == 201, created.content
    schedule_id = created.json()["id"]
    assert created.json()["on_call_now"] == [] and created.json()["shifts"] == []

    layer = client.post(
        f"/schedules/{schedule_id}/layers",
        {
            "name": "Weekly",
            "participants": ["alice@example.com", member.pk],
            "rotation_unit": "weeks",
            "handoff_time": "09:00",
            "start_date": "2026-11-23",
        },
    )
    assert layer.status_code == 201, layer.content
    assert [p["email"] for p in layer.json()["participants"]] == [
        "alice@example.com",
        "bob@example.com",
    ]
    assert layer.json()["position"] == 1

    override = client.post(
        f"/schedules/{schedule_id}/overrides",
        {
            "user": "bob@example.com",
            "starts_at": "2026-11-27T09:00:00+01:00",
            "ends_at": "2026-11-28T09:00:00+01:00",
            "reason": "Friday swap",
        },
    )
    assert override.status_code == 201, override.content
    assert override.json()["created_by"]["email"] == "alice@example.com"

    friday = client.get(f"/schedules/{schedule_id}/on-call", at="2026-11-27T12:00:00+01:00")
    assert friday.json()["users"][0]["email"] == "bob@example.com"
    assert friday.json()["shift"]["source"]["kind"] == "override"

    deleted = client.delete(f"/schedules/{schedule_id}/overrides/{override.json()['id']}")
    assert deleted.status_code == 204
    friday = client.get(f"/schedules/{schedule_id}/on-call", at="2026-11-27T12:00:00+01:00")
    assert friday.json()["users"][0]["email"] == "alice@example.com"


def test_a_member_adds_an_override_for_themselves_by_default(api_as, berlin, member):
    response = api_as(member).post(
        f"/schedules/{berlin.pk}/overrides",
        {"starts_at": "2026-11-27T08:00:00Z", "ends_at": "2026-11-28T08:00:00Z"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["user"]["email"] == "bob@example.com"


def test_a_member_cannot_put_someone_else_on_call(api_as, berlin, member, other_member):
    before = schedule_rows()
    response = api_as(member).post(
        f"/schedules/{berlin.pk}/overrides",
        {
            "user": other_member.email,
            "starts_at": "2026-11-27T08:00:00Z",
            "ends_at": "2026-11-28T08:00:00Z",
        },
    )
    assert_error(response, 403, "permission_denied", message_contains="for themselves")
    assert schedule_rows() == before


def test_a_member_cannot_create_schedules_or_layers(api_as, berlin, member):
    before = schedule_rows()
    assert_error(
        api_as(member).post("/schedules", {"team": "payments", "name": "X", "time_zone": "UTC"}),
        403,
        "permission_denied",
    )
    assert_error(
        api_as(member).post(
            f"/schedules/{berlin.pk}/layers",
            {
                "name": "Mine",
                "participants": [member.email],
                "handoff_time": "09:00",
                "start_date": "2026-11-23",
            },
        ),
        403,
        "permission_denied",
    )
    assert schedule_rows() == before


@pytest.mark.parametrize(
    ("path", "body", "status", "field", "message"),
    [
        (
            "/schedules",
            {"team": "payments", "name": "X", "time_zone": "Mars/Olympus"},
            422,
            "time_zone",
            "not a known time zone",
        ),
        ("/schedules", {"team": "nope", "name": "X", "time_zone": "UTC"}, 422, "team", "no team"),
        (
            "/schedules",
            {"team": "payments", "name": "X", "time_zone": "UTC", "colour": "red"},
            422,
            "colour",
            "unknown field",
        ),
        (
            "{schedule}/layers",
            {
                "name": "L",
                "participants": ["nobody@example.com"],
                "handoff_time": "09:00",
                "start_date": "2026-11-23",
            },
            422,
            "participants",
            "no user",
        ),
        (
            "{schedule}/layers",
            {
                "name": "L",
                "participants": ["carol@example.com"],
                "handoff_time": "09:00",
                "start_date": "2026-11-23",
            },
            422,
            "participants",
            "not in Payments",
        ),
        (
            "{schedule}/layers",
            {
                "name": "L",
                "participants": ["bob@example.com"],
                "handoff_time": "25:00",
                "start_date": "2026-11-23",
            },
            422,
            "handoff_time",
            "",
        ),
        (
            "{schedule}/layers",
            {
                "name": "L",
                "participants": ["bob@example.com"],
                "handoff_time": "09:00",
                "start_date": "2026-11-23",
                "rotation_unit": "months",
            },
            422,
            "rotation_unit",
            "",
        ),
        (
            "{schedule}/layers",
            {
                "name": "L",
                "participants": ["bob@example.com"],
                "handoff_time": "09:00",
                "start_date": "2026-11-23",
                "rotation_length": "2",
            },
            422,
            "rotation_length",
            "",
        ),
        (
            "{schedule}/overrides",
            {"starts_at": "2026-11-27T09:00", "ends_at": "2026-11-28T09:00:00Z"},
            422,
            "starts_at",
            "time zone",
        ),
        (
            "{schedule}/overrides",
            {"starts_at": "2026-11-28T09:00:00Z", "ends_at": "2026-11-27T09:00:00Z"},
            422,
            "ends_at",
            "end after it starts",
        ),
    ],
)
def test_bad_input_is_a_clear_4xx_and_stores_nothing(
    api_as, berlin, lead, member, outsider, path, body, status, field, message
):
    before = schedule_rows()
    response = api_as(lead).post(path.replace("{schedule}", f"/schedules/{berlin.pk}"), body)

    assert_error(response, status, "validation_failed", field=field, message_contains=message)
    assert schedule_rows() == before


def test_members_delete_only_their_own_overrides(api_as, berlin, lead, member, other_member):
    from tocsin.oncall.schedules.services import add_override

    theirs = add_override(
        schedule=berlin,
        user=other_member,
        starts_at=utc(2026, 11, 27, 8),
        ends_at=utc(2026, 11, 28, 8),
        by=lead,
    )

    response = api_as(member).delete(f"/schedules/{berlin.pk}/overrides/{theirs.pk}")
    assert_error(response, 403, "permission_denied")
    assert Override.objects.filter(pk=theirs.pk).exists()
    assert_error(api_as(member).delete(f"/schedules/{berlin.pk}/overrides/999"), 404, "not_found")


def test_the_openapi_document_lists_the_schedule_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/schedules",
        "/api/v1/schedules/{schedule_id}",
        "/api/v1/schedules/{schedule_id}/layers",
        "/api/v1/schedules/{schedule_id}/overrides",
        "/api/v1/schedules/{schedule_id}/overrides/{override_id}",
        "/api/v1/schedules/{schedule_id}/on-call",
    } <= set(paths)


def test_the_schema_says_a_handoff_is_a_wall_clock_time_as_served(api_as, berlin, weekly, member):
    import re

    schema = api_as(member).client.get("/api/v1/openapi.json").json()
    layer = schema["components"]["schemas"]["LayerOut"]["properties"]["handoff_time"]
    assert "format" not in layer  # `format: time` would promise an offset
    served = api_as(member).get(f"/schedules/{berlin.pk}").json()["layers"][0]["handoff_time"]
    assert served == "09:00:00"
    assert re.fullmatch(layer["pattern"], served)
    assert re.fullmatch(layer["pattern"], "09:00") and not re.fullmatch(layer["pattern"], "25:00")
