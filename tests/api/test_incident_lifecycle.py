"""Working an incident through the REST API: declare, acknowledge, update, resolve, reopen."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.support.api import assert_error, nothing_changes
from tocsin.incidents.models import Event, Incident, Role, Status

pytestmark = pytest.mark.django_db


def kinds(incident):
    return list(incident.timeline.values_list("kind", flat=True))


# --- declaring -----------------------------------------------------------------------------


def test_a_responder_declares_an_incident_and_becomes_its_commander(
    api_as, member, payments, checkout
):
    response = api_as(member).post(
        "/incidents",
        {
            "title": "Card payments time out",
            "severity": "P1",
            "team": "payments",
            "services": ["checkout"],
            "impact_who": "All EU customers",
            "impact_how": "Cannot pay by card",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get(pk=body["id"])
    assert body["reference"] == f"INC-{incident.pk}"
    assert body["title"] == "Card payments time out"
    assert body["severity"] == {"key": "P1", "name": "Critical", "color": "#dc2626", "rank": 1}
    assert body["status"] == "triggered"
    assert body["status_label"] == "Triggered"
    assert body["team"] == {"slug": "payments", "name": "Payments"}
    assert body["services"] == [{"slug": "checkout", "name": "Checkout"}]
    assert body["source"] == "api"
    assert body["drill"] is False
    bob = {"id": member.pk, "email": "bob@example.com", "display_name": "Bob Okafor"}
    assert body["reported_by"] == bob
    assert body["commander"] == bob
    assert [(r["role"], r["user"]) for r in body["roles"]] == [("commander", bob)]
    assert body["acknowledged_by"] is None
    assert body["time_to_acknowledge_seconds"] is None
    assert body["url"] == f"http://127.0.0.1:8000/incidents/{incident.pk}/"
    assert incident.source == "api"
    created = incident.timeline.get(kind=Event.CREATED)
    assert (created.actor, created.via) == (member, "api")


def test_a_drill_can_be_declared_with_another_commander(api_as, lead, member, payments, p3):
    response = api_as(lead).post(
        "/incidents",
        {
            "title": "Game day",
            "severity": "p3",
            "team": "payments",
            "drill": True,
            "commander": "BOB@example.com",
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["drill"] is True
    assert response.json()["severity"]["key"] == "P3"
    assert response.json()["commander"]["id"] == member.pk


def test_a_viewer_cannot_declare(api_as, viewer, payments):
    client = api_as(viewer)
    with nothing_changes():
        response = client.post("/incidents", {"title": "x", "severity": "P1", "team": "payments"})
    assert_error(response, 403, "permission_denied", message_contains="viewer")


def test_an_unknown_severity_names_the_ladder(api_as, member, payments):
    client = api_as(member)
    with nothing_changes():
        response = client.post("/incidents", {"title": "x", "severity": "P9", "team": "payments"})
    error = assert_error(response, 422, "validation_failed", field="severity")
    assert error["message"] == "unknown severity 'P9'; use one of P1, P2, P3, P4, P5"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"team": "nope"}, "team", "no team 'nope'"),
        ({"services": ["checkout", "ghost"]}, "services", "unknown service 'ghost'"),
        ({"commander": "nobody@example.com"}, "commander", "nobody@example.com"),
        ({"commander": 99999}, "commander", "99999"),
        ({"title": "   "}, "title", "must not be empty"),
        ({"title": None}, "title", "title"),
        ({"drill": "often"}, "drill", "drill"),
        ({"services": "checkout"}, "services", "services"),
        ({"colour": "red"}, "colour", "unknown field 'colour'"),
    ],
)
def test_a_declaration_naming_something_wrong_is_refused_whole(
    api_as, member, payments, checkout, change, field, words
):
    client = api_as(member)
    body = {"title": "Checkout down", "severity": "P2", "team": "payments"} | change
    with nothing_changes():
        response = client.post("/incidents", body)
    assert_error(response, 422, "validation_failed", field=field, message_contains=words)


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["INC-{}", "{}", "inc-{}"])
def test_an_incident_is_found_by_reference_or_number(api_as, viewer, incident, form):
    response = api_as(viewer).get("/incidents/" + form.format(incident.pk))

    assert response.status_code == 200
    assert response.json()["reference"] == incident.reference
    assert response.json()["commander"]["email"] == "alice@example.com"


@pytest.mark.parametrize("ref", ["INC-99999", "99999", "checkout", "INC-"])
def test_an_unknown_incident_is_404(api_as, viewer, incident, ref):
    assert_error(api_as(viewer).get(f"/incidents/{ref}"), 404, "not_found", message_contains=ref)


# --- acknowledging -------------------------------------------------------------------------


def test_only_members_of_the_team_can_acknowledge(api_as, incident, outsider):
    client = api_as(outsider)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.reference}/acknowledge")

    error = assert_error(response, 403, "permission_denied", message_contains="Payments")
    assert "not a member of Payments" in error["message"]
    incident.refresh()
    assert incident.status == Status.TRIGGERED
    assert incident.acknowledged_by is None
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()


def test_a_member_acknowledges_and_is_working_on_it(api_as, incident, member):
    response = api_as(member).post(f"/incidents/{incident.pk}/acknowledge")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "acknowledged"
    assert body["status_label"] == "Working"
    assert body["acknowledged_by"]["email"] == "bob@example.com"
    assert body["acknowledged_at"] is not None
    assert body["time_to_acknowledge_seconds"] >= 0
    event = incident.timeline.get(kind=Event.ACKNOWLEDGED)
    assert (event.actor, event.via) == (member, "api")


def test_acknowledging_twice_is_harmless(api_as, incident, member):
    client = api_as(member)
    client.post(f"/incidents/{incident.pk}/acknowledge")

    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/acknowledge")

    assert response.status_code == 200
    assert response.json()["acknowledged_by"]["id"] == member.pk


def test_a_second_member_cannot_take_an_owned_incident(api_as, incident, member, other_member):
    api_as(member).post(f"/incidents/{incident.pk}/acknowledge")
    client = api_as(other_member)

    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/acknowledge")

    assert_error(response, 409, "conflict", message_contains="already acknowledged by Bob Okafor")
    assert incident.refresh().acknowledged_by == member


def test_a_resolved_incident_cannot_be_acknowledged(api_as, incident, lead, member):
    api_as(lead).post(f"/incidents/{incident.pk}/resolve", {"resolution": "Restarted"})
    client = api_as(member)

    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/acknowledge")

    assert_error(
        response, 409, "invalid_transition", field="status", message_contains="reopen it first"
    )


def test_the_commander_assigns_the_incident_to_a_member(api_as, incident, lead, member):
    response = api_as(lead).post(f"/incidents/{incident.pk}/assign", {"user": member.pk})

    assert response.status_code == 200, response.content
    assert response.json()["status_label"] == "Working"
    assert response.json()["acknowledged_by"]["id"] == member.pk
    assert incident.timeline.get(kind=Event.ASSIGNED).via == "api"


def test_a_member_cannot_assign_and_an_outsider_cannot_own(
    api_as, incident, lead, member, other_member, outsider
):
    client = api_as(member)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/assign", {"user": "erin@example.com"})
    assert_error(response, 403, "permission_denied", message_contains="commander")

    client = api_as(lead)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/assign", {"user": outsider.email})
    assert_error(response, 403, "permission_denied", message_contains="Payments")


# --- changing ------------------------------------------------------------------------------


def test_patch_changes_details_severity_and_status(api_as, incident, member, p3):
    client = api_as(member)
    client.post(f"/incidents/{incident.pk}/acknowledge")

    response = client.patch(
        f"/incidents/INC-{incident.pk}",
        {
            "title": "Checkout returns 502 for EU cards",
            "impact_who": "EU customers",
            "services": [],
            "severity": "P3",
            "status": "identified",
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Checkout returns 502 for EU cards"
    assert body["impact_who"] == "EU customers"
    assert body["services"] == []
    assert body["severity"]["key"] == "P3"
    assert body["status"] == "identified"
    assert body["identified_at"] is not None
    assert kinds(incident)[-3:] == [Event.UPDATED, Event.SEVERITY_CHANGED, Event.STATUS_CHANGED]
    by_people = incident.timeline.exclude(kind=Event.ESCALATION)  # the engine's own remarks
    assert set(by_people.values_list("via", flat=True)) == {"web", "api"}


def test_a_patch_that_fails_in_part_changes_nothing(api_as, incident, member, p3):
    """Status identified on a triggered incident is refused: the title and severity stay too."""
    client = api_as(member)
    with nothing_changes(incident):
        response = client.patch(
            f"/incidents/{incident.pk}",
            {"title": "Renamed", "severity": "P3", "status": "identified"},
        )

    assert_error(
        response, 409, "invalid_transition", field="status", message_contains="acknowledge it"
    )
    incident.refresh()
    assert (incident.title, incident.severity.key) == ("Checkout returns 502", "P1")


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"status": "resolved"}, "status", "use resolve"),
        ({"status": "sleeping"}, "status", "unknown status"),
        ({"severity": "P0"}, "severity", "use one of P1"),
        ({"services": ["ghost"]}, "services", "ghost"),
        ({"title": ""}, "title", "must not be empty"),
        ({"title": None}, "title", "null"),
        ({"team": "platform"}, "team", "unknown field 'team'"),
    ],
)
def test_a_bad_patch_changes_nothing(api_as, incident, member, body, field, words):
    client = api_as(member)
    with nothing_changes(incident):
        response = client.patch(f"/incidents/{incident.pk}", {"title": "Renamed"} | body)
    assert_error(response, 422, "validation_failed", field=field, message_contains=words)


def test_an_outsider_cannot_edit(api_as, incident, outsider):
    client = api_as(outsider)
    with nothing_changes(incident):
        response = client.patch(f"/incidents/{incident.pk}", {"title": "Mine now"})
    assert_error(response, 403, "permission_denied", message_contains="Payments")


# --- resolving, reopening, cancelling ------------------------------------------------------


def test_resolving_records_the_owner_and_the_whole_story(api_as, incident, member, lead):
    declared = incident.reported_at
    with time_machine.travel(declared + timedelta(minutes=4), tick=False):
        api_as(member).post(f"/incidents/{incident.pk}/acknowledge")
    with time_machine.travel(declared + timedelta(minutes=9), tick=False):
        api_as(member).post(f"/incidents/{incident.pk}/notes", {"text": "Rolled back 2.14"})
    with time_machine.travel(declared + timedelta(minutes=30), tick=False):
        response = api_as(lead).post(
            f"/incidents/{incident.pk}/resolve", {"resolution": "Rollback fixed it"}
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolved_by"]["email"] == "bob@example.com"  # the owner, not the recorder
    assert body["resolved_at"] is not None
    assert body["resolution"] == "Rollback fixed it"
    assert body["time_to_acknowledge_seconds"] == 4 * 60
    assert body["time_to_resolve_seconds"] == 30 * 60

    timeline = api_as(member).get(f"/incidents/{incident.pk}/timeline").json()
    story = [(e["kind"], e["actor"] and e["actor"]["email"], e["via"]) for e in timeline]
    assert story == [
        ("created", "alice@example.com", "web"),
        ("escalation", None, "system"),  # Payments has no policy: its leads are paged
        ("role_assigned", "alice@example.com", "web"),
        ("acknowledged", "bob@example.com", "api"),
        ("escalation", None, "system"),  # escalation stopped
        ("note", "bob@example.com", "api"),
        ("resolved", "alice@example.com", "api"),
        ("situation_report", "alice@example.com", "api"),  # written at resolution
        ("postmortem", None, "system"),  # P1 requires one: drafted at resolution
    ]
    events = [e for e in timeline if e["kind"] != "escalation"]
    assert events[3]["message"] == "Rolled back 2.14"
    assert events[3]["actor_name"] == "Bob Okafor"
    assert events[4]["data"]["resolved_by"] == member.pk


def test_resolving_afterwards_with_a_resolver_and_time(api_as, incident, lead, other_member):
    resolved_at = incident.reported_at + timedelta(minutes=12)
    client = api_as(lead)
    with time_machine.travel(incident.reported_at + timedelta(hours=2), tick=False):
        response = client.post(
            f"/incidents/{incident.pk}/resolve",
            {
                "resolution": "Provider fixed it",
                "resolved_by": "erin@example.com",
                "resolved_at": resolved_at.isoformat(),
            },
        )

    assert response.status_code == 200, response.content
    incident.refresh()
    assert incident.resolved_by == other_member
    assert incident.resolved_at == resolved_at
    assert response.json()["time_to_resolve_seconds"] == 12 * 60


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "resolution"),
        ({"resolution": " "}, "resolution"),
        ({"resolution": "ok", "resolved_by": "nobody@example.com"}, "resolved_by"),
        ({"resolution": "ok", "resolved_at": "yesterday"}, "resolved_at"),
        ({"resolution": "ok", "resolved_at": "2000-01-01T00:00:00Z"}, "resolved_at"),
        ({"resolution": "ok", "resolved_at": "2999-01-01T00:00:00Z"}, "resolved_at"),
    ],
)
def test_a_bad_resolution_changes_nothing(api_as, incident, lead, body, field):
    client = api_as(lead)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/resolve", body)
    assert_error(response, 422, "validation_failed", field=field)


def test_resolving_twice_is_an_invalid_transition(api_as, incident, lead):
    client = api_as(lead)
    client.post(f"/incidents/{incident.pk}/resolve", {"resolution": "Fixed"})

    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/resolve", {"resolution": "Again"})

    assert_error(response, 409, "invalid_transition", field="status")


def test_reopening_goes_back_to_triggered_without_owner(api_as, incident, member):
    client = api_as(member)
    client.post(f"/incidents/{incident.pk}/acknowledge")
    client.post(f"/incidents/{incident.pk}/resolve", {"resolution": "Fixed"})

    response = client.post(f"/incidents/{incident.pk}/reopen", {"reason": "502s are back"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["acknowledged_by"], body["resolved_at"]) == (
        "triggered",
        None,
        None,
    )
    assert incident.timeline.get(kind=Event.REOPENED).message.endswith("502s are back")


def test_reopening_needs_no_body_but_an_open_incident(api_as, incident, member):
    client = api_as(member)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/reopen")
    assert_error(
        response, 409, "invalid_transition", field="status", message_contains="not resolved"
    )


def test_the_commander_cancels_a_false_alarm(api_as, incident, lead, member):
    client = api_as(member)
    with nothing_changes(incident):
        refused = client.post(f"/incidents/{incident.pk}/cancel", {"reason": "False alarm"})
    assert_error(refused, 403, "permission_denied")

    response = api_as(lead).post(f"/incidents/{incident.pk}/cancel", {"reason": "False alarm"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "False alarm"
    assert response.json()["cancelled_at"] is not None


def test_cancelling_needs_a_reason(api_as, incident, lead):
    client = api_as(lead)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/cancel", {})
    assert_error(response, 422, "validation_failed", field="reason")


# --- notes and roles -----------------------------------------------------------------------


def test_a_note_is_a_timeline_event(api_as, incident, member):
    response = api_as(member).post(f"/incidents/{incident.pk}/notes", {"text": "Looking at LB"})

    assert response.status_code == 201, response.content
    event = response.json()
    assert set(event) == {"id", "at", "kind", "actor", "actor_name", "via", "message", "data"}
    assert (event["kind"], event["via"], event["message"]) == ("note", "api", "Looking at LB")
    assert event["actor"] == {"id": member.pk, "email": member.email, "display_name": "Bob Okafor"}


def test_an_empty_note_or_a_viewers_note_is_refused(api_as, incident, viewer, member):
    client = api_as(member)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/notes", {"text": "  "})
    assert_error(response, 422, "validation_failed", field="text")

    client = api_as(viewer)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/notes", {"text": "hello"})
    assert_error(response, 403, "permission_denied")


def test_roles_are_handed_over_and_removed(api_as, incident, lead, member, other_member):
    client = api_as(lead)

    response = client.post(
        f"/incidents/{incident.pk}/roles", {"user": member.email, "role": "commander"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["commander"]["id"] == member.pk

    response = client.post(
        f"/incidents/{incident.pk}/roles", {"user": other_member.pk, "role": "scribe"}
    )
    roles = {(r["role"], r["user"]["id"]) for r in response.json()["roles"]}
    assert roles == {(Role.COMMANDER, member.pk), (Role.SCRIBE, other_member.pk)}

    response = client.delete(f"/incidents/{incident.pk}/roles/scribe/{other_member.pk}")
    assert response.status_code == 200, response.content
    assert [r["role"] for r in response.json()["roles"]] == ["commander"]
    assert incident.timeline.filter(kind=Event.ROLE_REMOVED, via="api").count() == 1


@pytest.mark.parametrize(
    ("path", "status", "code", "field"),
    [
        ("/roles/commander/{lead}", 422, "validation_failed", "role"),
        ("/roles/scribe/{lead}", 422, "validation_failed", "role"),
        ("/roles/chef/{lead}", 422, "validation_failed", "role"),
        ("/roles/scribe/99999", 404, "not_found", None),
        ("/roles/scribe/alice", 422, "validation_failed", "user_id"),
    ],
)
def test_removing_a_role_that_is_not_held_changes_nothing(
    api_as, incident, lead, path, status, code, field
):
    client = api_as(lead)
    with nothing_changes(incident):
        response = client.delete(f"/incidents/{incident.pk}" + path.format(lead=lead.pk))
    assert_error(response, status, code, field=field)


def test_an_unknown_role_or_person_is_refused(api_as, incident, lead):
    client = api_as(lead)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/roles", {"user": lead.pk, "role": "chef"})
    assert_error(response, 422, "validation_failed", field="role")

    with nothing_changes(incident):
        response = client.post(
            f"/incidents/{incident.pk}/roles", {"user": "ghost@example.com", "role": "scribe"}
        )
    assert_error(response, 422, "validation_failed", field="user")


def test_roles_are_closed_on_a_resolved_incident(api_as, incident, lead, member):
    client = api_as(lead)
    client.post(f"/incidents/{incident.pk}/resolve", {"resolution": "Done"})
    with nothing_changes(incident):
        response = client.post(
            f"/incidents/{incident.pk}/roles", {"user": member.pk, "role": "scribe"}
        )
    assert_error(response, 409, "invalid_transition")


def test_resolved_at_is_reported_in_utc(api_as, incident, lead):
    response = api_as(lead).post(f"/incidents/{incident.pk}/resolve", {"resolution": "Done"})
    resolved_at = response.json()["resolved_at"]
    assert resolved_at.endswith("Z") or resolved_at.endswith("+00:00")
    assert abs(incident.refresh().resolved_at - timezone.now()) < timedelta(minutes=1)
