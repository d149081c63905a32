"""Who gets paged: the escalation path in the API and on its page, and policies over the API."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.support.api import ApiClient, assert_error
from tocsin.oncall.escalation.models import EscalationPolicy
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def policy(payments, lead, berlin, layer_of, member):
    layer_of(berlin, [member])
    return create_policy(
        team=payments,
        name="Payments default",
        by=lead,
        repeat=2,
        levels=[
            LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=berlin)]),
            LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=lead)]),
        ],
    )


def test_the_api_shows_levels_people_and_times(token_for, member, policy, p1):
    response = ApiClient(token_for(member)).get(
        "/escalation-path", team="payments", severity="P1", at="2026-03-02T10:00:00Z"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["policy"], body["repeat"], body["pages_oncall"]) == ("Payments default", 2, True)
    assert [(level["position"], level["at"]) for level in body["levels"]] == [
        (1, "2026-03-02T10:00:00Z"),
        (2, "2026-03-02T10:05:00Z"),
    ]
    assert body["levels"][0]["people"] == [
        {
            "user": {"id": member.pk, "email": "bob@example.com", "display_name": "Bob Okafor"},
            "reason": "on call in 'Payments Europe/Berlin'",
        }
    ]


def test_the_api_says_a_p3_pages_nobody(token_for, member, policy, p3):
    body = (
        ApiClient(token_for(member)).get("/escalation-path", team="payments", severity="P3").json()
    )
    assert body["pages_oncall"] is False and body["levels"] == []
    assert "payments@example.com" in body["explanation"]


def test_an_unknown_severity_is_a_clear_422(token_for, member, policy, p1):
    response = ApiClient(token_for(member)).get("/escalation-path", team="payments", severity="P9")
    assert_error(
        response,
        422,
        "validation_failed",
        field="severity",
        message_contains="unknown severity 'P9'; use one of P1",
    )


def test_a_lead_creates_a_policy_over_the_api(token_for, lead, member, berlin, p1):
    response = ApiClient(token_for(lead)).post(
        "/escalation-policies",
        {
            "team": "payments",
            "name": "Payments default",
            "repeat": 2,
            "levels": [
                {"delay_minutes": 5, "targets": [{"kind": "schedule", "schedule": berlin.pk}]},
                {"delay_minutes": 5, "targets": [{"kind": "user", "user": "alice@example.com"}]},
            ],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [len(level["targets"]) for level in body["levels"]] == [1, 1]
    assert body["levels"][1]["targets"][0]["name"] == "Alice Novak"


def test_a_member_may_not_create_a_policy(token_for, member, berlin):
    response = ApiClient(token_for(member)).post(
        "/escalation-policies",
        {"team": "payments", "name": "Mine", "levels": [{"targets": [{"kind": "team"}]}]},
    )
    assert response.status_code == 403
    assert not EscalationPolicy.objects.exists()


def test_the_page_shows_the_path(client, member, policy, p1):
    client.force_login(member)
    response = client.get("/oncall/who-gets-paged/", {"team": "payments", "severity": "P1"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Level 1" in page and "Level 2" in page
    assert "Bob Okafor" in page and "Alice Novak" in page
    assert "on call in &#x27;Payments Europe/Berlin&#x27;" in page
