"""Escalation policies over the REST API: read, create, replace and delete, and what is refused.

The `policy` fixture is "Payments default": whoever is on call in 'Payments Europe/Berlin'
(Bob), then Alice, the lead, after 5 minutes.
"""

from datetime import timedelta

import pytest

from tests.support.api import assert_error
from tests.support.oncall import policies_as_rows
from tocsin.incidents.services import declare
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.models import EscalationPolicy, EscalationRun, RunState
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy
from tocsin.oncall.schedules.services import create_schedule


def body(**changes) -> dict:
    """A valid policy body: the whole team at once, then Alice after 10 minutes."""
    return {
        "team": "payments",
        "name": "Payments nights",
        "description": "Outside office hours",
        "repeat": 1,
        "levels": [
            {"delay_minutes": 2, "targets": [{"kind": "team"}]},
            {"delay_minutes": 10, "targets": [{"kind": "user", "user": "alice@example.com"}]},
        ],
        **changes,
    }


@pytest.fixture
def nights(payments, lead):
    """A second, newer Payments policy: not in use while 'Payments default' exists."""
    return create_policy(
        team=payments,
        name="Payments nights",
        by=lead,
        levels=[LevelSpec(timedelta(minutes=10), [TargetSpec("team")])],
    )


@pytest.fixture
def platform_schedule(platform, admin):
    return create_schedule(team=platform, name="Platform primary", time_zone="UTC", by=admin)


# --- Reading ---------------------------------------------------------------------------------


def test_anyone_signed_in_reads_a_policy_with_its_levels_in_order(
    api_as, outsider, lead, policy, primary
):
    response = api_as(outsider).get(f"/escalation-policies/{policy.pk}")

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert (answer["name"], answer["team"]["slug"], answer["repeat"]) == (
        "Payments default",
        "payments",
        0,
    )
    assert answer["in_use"] is True
    assert answer["levels"] == [
        {
            "position": 1,
            "delay_seconds": 300,
            "targets": [{"kind": "schedule", "id": primary.pk, "name": "Payments Europe/Berlin"}],
        },
        {
            "position": 2,
            "delay_seconds": 300,
            "targets": [{"kind": "user", "id": lead.pk, "name": "Alice Novak"}],
        },
    ]


def test_the_list_marks_the_oldest_policy_of_a_team_as_in_use(api_as, member, policy, nights):
    answer = api_as(member).get("/escalation-policies", team="payments").json()

    assert [(p["name"], p["in_use"]) for p in answer] == [
        ("Payments default", True),
        ("Payments nights", False),
    ]


def test_an_unknown_policy_is_a_404(api_as, member, policy):
    assert_error(
        api_as(member).get("/escalation-policies/9999"),
        404,
        "not_found",
        message_contains="no escalation policy 9999",
    )


# --- Creating --------------------------------------------------------------------------------


def test_a_lead_creates_a_policy_with_a_description(api_as, lead, member, policy):
    response = api_as(lead).post("/escalation-policies", body())

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["name"], answer["description"], answer["repeat"]) == (
        "Payments nights",
        "Outside office hours",
        1,
    )
    assert answer["in_use"] is False  # the older "Payments default" still runs
    assert [level["delay_seconds"] for level in answer["levels"]] == [120, 600]
    assert [t["kind"] for level in answer["levels"] for t in level["targets"]] == ["team", "user"]
    assert EscalationPolicy.objects.filter(name="Payments nights").exists()


OTHER_TEAM_USER = "carol@example.com"


@pytest.mark.parametrize(
    ("levels", "field", "says"),
    [
        pytest.param(
            [{"targets": [{"kind": "user", "user": "nobody@example.com"}]}],
            "levels.0.targets.0.user",
            "no user 'nobody@example.com'",
            id="unknown user",
        ),
        pytest.param(
            [
                {"targets": [{"kind": "team"}]},
                {"targets": [{"kind": "team"}, {"kind": "user", "user": OTHER_TEAM_USER}]},
            ],
            "levels.1.targets.1.user",
            "level 2: Carol Jensen is not a member of Payments",
            id="user of another team",
        ),
        pytest.param(
            [{"targets": [{"kind": "schedule", "schedule": "PLATFORM"}]}],
            "levels.0.targets.0.schedule",
            "level 1: the schedule 'Platform primary' belongs to Platform, not Payments",
            id="schedule of another team",
        ),
        pytest.param(
            [{"targets": [{"kind": "schedule", "schedule": 9999}]}],
            "levels.0.targets.0.schedule",
            "no schedule 9999",
            id="unknown schedule",
        ),
        pytest.param(
            [{"targets": [{"kind": "schedule"}]}],
            "levels.0.targets.0.schedule",
            "a schedule target names the schedule's id",
            id="schedule target without a schedule",
        ),
        pytest.param(
            [{"delay_minutes": -5, "targets": [{"kind": "team"}]}],
            "levels.0.delay_minutes",
            "greater than or equal to 0",
            id="negative delay",
        ),
        pytest.param([], "levels", "a policy needs at least one level", id="no levels"),
        pytest.param(
            [{"targets": []}],
            "levels.0.targets",
            "level 1: say whom to page",
            id="level without targets",
        ),
    ],
)
def test_bad_levels_are_a_422_naming_the_field_and_nothing_is_stored(
    api_as, lead, outsider, policy, platform_schedule, levels, field, says
):
    for level in levels:
        for target in level["targets"]:
            if target.get("schedule") == "PLATFORM":
                target["schedule"] = platform_schedule.pk
    before = policies_as_rows()

    response = api_as(lead).post("/escalation-policies", body(levels=levels))

    assert_error(response, 422, "validation_failed", field=field, message_contains=says)
    assert policies_as_rows() == before


def test_a_duplicate_name_is_a_409_and_nothing_is_stored(api_as, lead, policy):
    before = policies_as_rows()

    response = api_as(lead).post("/escalation-policies", body(name="payments DEFAULT"))

    assert_error(
        response,
        409,
        "conflict",
        field="name",
        message_contains="Payments already has a policy called 'payments DEFAULT'",
    )
    assert policies_as_rows() == before


def test_a_member_may_not_create_a_policy(api_as, member, policy):
    before = policies_as_rows()

    response = api_as(member).post("/escalation-policies", body())

    assert_error(
        response,
        403,
        "permission_denied",
        message_contains="only an admin or a lead of Payments may change its escalation policies",
    )
    assert policies_as_rows() == before


# --- Replacing -------------------------------------------------------------------------------


def test_a_lead_replaces_a_policy_with_put(api_as, lead, member, policy, primary):
    new = {
        "name": "Payments default",
        "repeat": 2,
        "levels": [
            {"delay_minutes": 1, "targets": [{"kind": "user", "user": member.pk}]},
            {
                "delay_minutes": 15,
                "targets": [{"kind": "schedule", "schedule": primary.pk}, {"kind": "team"}],
            },
        ],
    }

    response = api_as(lead).put(f"/escalation-policies/{policy.pk}", new)

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["repeat"] == 2 and answer["description"] == ""
    assert [
        (level["delay_seconds"], [t["name"] for t in level["targets"]])
        for level in answer["levels"]
    ] == [(60, ["Bob Okafor"]), (900, ["Payments Europe/Berlin", "Payments"])]
    assert api_as(member).get(f"/escalation-policies/{policy.pk}").json() == answer


def test_the_body_of_post_may_be_put_back_but_not_to_another_team(api_as, lead, policy, platform):
    same_team = api_as(lead).put(f"/escalation-policies/{policy.pk}", body(name="Renamed"))
    assert same_team.status_code == 200, same_team.json()
    assert same_team.json()["name"] == "Renamed"
    before = policies_as_rows()

    other_team = api_as(lead).put(f"/escalation-policies/{policy.pk}", body(team="platform"))

    assert_error(
        other_team, 422, "validation_failed", field="team", message_contains="belongs to payments"
    )
    assert policies_as_rows() == before


def test_renaming_onto_another_policy_is_a_409_and_changes_nothing(api_as, lead, policy, nights):
    before = policies_as_rows()

    response = api_as(lead).put(
        f"/escalation-policies/{policy.pk}", body(name="Payments nights", repeat=3)
    )

    assert_error(response, 409, "conflict", field="name")
    assert policies_as_rows() == before


def test_a_put_with_a_bad_level_changes_nothing_at_all(api_as, lead, policy, outsider):
    before = policies_as_rows()

    response = api_as(lead).put(
        f"/escalation-policies/{policy.pk}",
        body(
            name="Half-saved?",
            levels=[
                {"targets": [{"kind": "team"}]},
                {"targets": [{"kind": "user", "user": outsider.email}]},
            ],
        ),
    )

    assert_error(response, 422, "validation_failed", field="levels.1.targets.0.user")
    assert policies_as_rows() == before


def test_a_member_may_not_replace_or_delete_a_policy(api_as, member, policy):
    before = policies_as_rows()

    replaced = api_as(member).put(f"/escalation-policies/{policy.pk}", body())
    deleted = api_as(member).delete(f"/escalation-policies/{policy.pk}")

    assert_error(replaced, 403, "permission_denied")
    assert_error(deleted, 403, "permission_denied")
    assert policies_as_rows() == before


def test_a_viewer_may_not_delete_a_policy(api_as, viewer, policy):
    assert_error(
        api_as(viewer).delete(f"/escalation-policies/{policy.pk}"), 403, "permission_denied"
    )
    assert EscalationPolicy.objects.filter(pk=policy.pk).exists()


# --- Deleting --------------------------------------------------------------------------------


def test_deleting_the_policy_in_use_hands_over_to_the_next_oldest(api_as, lead, policy, nights):
    response = api_as(lead).delete(f"/escalation-policies/{policy.pk}")

    assert response.status_code == 204
    assert not EscalationPolicy.objects.filter(pk=policy.pk).exists()
    listed = api_as(lead).get("/escalation-policies", team="payments").json()
    assert [(p["name"], p["in_use"]) for p in listed] == [("Payments nights", True)]


def test_an_admin_deletes_any_teams_policy(api_as, admin, policy):
    assert api_as(admin).delete(f"/escalation-policies/{policy.pk}").status_code == 204
    assert_error(api_as(admin).get(f"/escalation-policies/{policy.pk}"), 404, "not_found")


# --- Escalations in flight -------------------------------------------------------------------


def test_editing_or_deleting_a_policy_leaves_a_running_escalation_alone(
    clock, api_as, payments, p1, lead, other_member, policy
):
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run_due_escalations()
    run = EscalationRun.objects.get(incident=incident)
    snapshot = run.snapshot

    edited = api_as(lead).put(
        f"/escalation-policies/{policy.pk}",
        body(
            name="Payments default",
            levels=[{"targets": [{"kind": "user", "user": other_member.email}]}],
        ),
    )
    assert edited.status_code == 200, edited.json()

    run.refresh_from_db()
    assert run.snapshot == snapshot
    assert [t["name"] for level in run.snapshot["levels"] for t in level["targets"]] == [
        "Payments Europe/Berlin",
        "Alice Novak",
    ]

    assert api_as(lead).delete(f"/escalation-policies/{policy.pk}").status_code == 204

    run.refresh_from_db()
    assert (run.state, run.policy, run.snapshot) == (RunState.ACTIVE, None, snapshot)
    # The run goes on with its snapshot: level 2 (Alice) after 5 minutes, not Erin.
    clock.shift(timedelta(minutes=5))
    run_due_escalations()
    assert incident.timeline.filter(message__startswith="Paging Alice Novak").exists()
    assert not incident.timeline.filter(message__startswith="Paging Erin Walsh").exists()
