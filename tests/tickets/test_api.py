"""Tickets over the API: the same services, the same refusals, as JSON."""

import json

import pytest

from tocsin.notify.outbox.models import OutboxMessage
from tocsin.tickets.models import Ticket
from tocsin.tickets.services import open_ticket
from tocsin.webhooks.models import Webhook
from tocsin.webhooks.services import create_webhook

NEW = {
    "team": "payments",
    "title": "Clicking on user details gives an error",
    "customer_user_id": "cust-4711",
    "what_they_did": "Opened a user",
    "what_happened": "An error page",
    "scope": "ADMINS",
    "criticality": "FBLOCK",
}


def test_an_agent_opens_a_ticket_and_reads_its_tagline(api_as, agent, payments, severities):
    response = api_as(agent).post("/tickets", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tagline"] == "ADMINS-FBLOCK: Clicking on user details gives an error"
    assert body["labels"] == ["ADMINS", "FBLOCK"]
    assert (body["urgency"], body["status"], body["classification"]) == (2, "new", None)
    assert body["reference"] == f"TKT-{body['id']}"
    assert body["history"][0]["message"].startswith("Opened by Sam Support: ADMINS-FBLOCK")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scope": "EVERYONE"}, "scope"),
        ({"criticality": None}, "criticality"),
        ({"team": "nobody"}, "team"),
        ({"title": ""}, "title"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_ticket_is_refused_with_its_field(api_as, agent, payments, change, field):
    response = api_as(agent).post("/tickets", {**NEW, **change})
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field
    assert not Ticket.objects.exists()


def test_the_lead_triages_escalates_and_the_ticket_shows_its_incident(
    api_as, ticket, lead, severities
):
    client = api_as(lead)
    triaged = client.post(f"/tickets/{ticket.reference}/triage", {"classification": "FE"})
    assert triaged.status_code == 200, triaged.content
    assert triaged.json()["tagline"].startswith("ADMINS-FBLOCK-FE: ")
    escalated = client.post(f"/tickets/{ticket.reference}/escalate", {})
    assert escalated.status_code == 200, escalated.content
    incident = escalated.json()["incident"]
    assert (incident["severity"], incident["status"]) == ("P2", "triggered")
    assert escalated.json()["status"] == "escalated"


def test_an_agent_cannot_triage_over_the_api(api_as, agent, ticket):
    response = api_as(agent).post(f"/tickets/{ticket.pk}/triage", {"classification": "FE"})
    assert response.status_code == 403
    assert "only an admin or a lead of Payments" in response.json()["error"]["message"]


def test_an_unknown_ticket_is_404(api_as, lead):
    for ref in ("TKT-999", "nonsense", "TKT-99999999999999999999"):
        assert api_as(lead).get(f"/tickets/{ref}").status_code == 404


def test_the_list_filters_and_hides_what_the_caller_may_not_see(api_as, ticket, outsider, member):
    assert api_as(member).get("/tickets").json()["count"] == 1
    assert api_as(outsider).get("/tickets").json() == {"count": 0, "items": []}
    assert api_as(member).get("/tickets?urgency=1").json()["count"] == 0
    assert api_as(member).get("/tickets?q=cust-4711").json()["count"] == 1
    assert api_as(member).get("/tickets?status=closed").json()["count"] == 0
    assert api_as(member).get("/tickets?status=nonsense").status_code == 422


def test_the_matrix_is_read_by_all_and_written_by_admins(api_as, agent, admin):
    cells = api_as(agent).get("/tickets/matrix").json()
    assert {"scope": "ADMINS", "criticality": "FBLOCK", "urgency": 2} in cells
    change = [{"scope": "ADMINS", "criticality": "FBLOCK", "urgency": 1}]
    assert api_as(agent).put("/tickets/matrix", change).status_code == 403
    response = api_as(admin).put("/tickets/matrix", change)
    assert response.status_code == 200, response.content
    assert {"scope": "ADMINS", "criticality": "FBLOCK", "urgency": 1} in response.json()


def test_a_closed_ticket_needs_a_reason_over_the_api_too(api_as, lead, ticket):
    response = api_as(lead).post(f"/tickets/{ticket.pk}/close", {"reason": "not_a_bug"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "note"


def test_webhooks_hear_ticket_events_with_the_tagline_as_labels(
    lead, payments, platform, admin, agent, details, severities
):
    webhook = create_webhook(
        team=payments,
        name="Tracker",
        url="https://tracker.example.org/hooks",
        by=lead,
        events=["ticket.opened", "ticket.triaged"],
    )
    assert isinstance(webhook, Webhook)
    create_webhook(  # another team's webhook hears nothing of Payments' tickets
        team=platform, name="Theirs", url="https://other.example.org/hooks", by=admin
    )
    ticket = open_ticket(by=agent, **details())
    [delivery] = OutboxMessage.objects.filter(channel="webhook")
    assert delivery.data["webhook"] == webhook.pk
    body = json.loads(delivery.body_text)
    assert body["type"] == "ticket.opened"
    assert body["ticket"]["tagline"] == ticket.tagline
    assert body["ticket"]["labels"] == ["ADMINS", "FBLOCK"]
    assert body["ticket"]["url"].endswith(f"/tickets/{ticket.pk}/")


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("escalate", {"incident": "INC-404"}),
        ("triage", {"classification": "FE", "assignee": "nobody@example.org"}),
        ("close", {"reason": "duplicate", "duplicate_of": "TKT-404"}),
    ],
)
def test_an_agent_is_refused_before_what_they_name_is_looked_up(
    api_as, agent, ticket, action, body
):
    response = api_as(agent).post(f"/tickets/{ticket.pk}/{action}", body)
    assert response.status_code == 403, response.content
    assert "only an admin or a lead of Payments" in response.json()["error"]["message"]
