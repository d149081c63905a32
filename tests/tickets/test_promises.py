"""What docs/tickets.md promises beyond the story: each sentence, held."""

import pytest

from tests.support.people import person
from tocsin.accounts.models import MembershipRole
from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.services import declare
from tocsin.notify.outbox.models import OutboxMessage
from tocsin.tickets.models import TicketEvent, TicketStatus, Urgency
from tocsin.tickets.services import (
    close_ticket,
    escalate_ticket,
    open_ticket,
    reopen_ticket,
    set_urgency,
    triage_ticket,
    watch_ticket,
)
from tocsin.webhooks.services import create_webhook


def test_an_agents_session_reaches_no_api_but_the_tickets(signed_in, agent, ticket):
    client = signed_in(agent)
    assert client.get("/api/v1/tickets").status_code == 200
    response = client.get("/api/v1/incidents")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "support agents work on support tickets only"


def test_open_tickets_keep_their_urgency_when_the_matrix_changes(ticket, admin):
    set_urgency(scope="ADMINS", criticality="FBLOCK", urgency=4, by=admin)
    ticket.refresh_from_db()
    assert ticket.urgency == Urgency.HIGH


def test_the_assignee_is_a_member_of_the_team(ticket, lead, outsider, member):
    with pytest.raises(ValidationFailed, match="Carol Jensen is not a member of Payments"):
        triage_ticket(ticket=ticket, by=lead, classification="FE", assignee=outsider)
    triage_ticket(ticket=ticket, by=lead, classification="BE", assignee=member)
    ticket.refresh_from_db()
    assert (ticket.classification, ticket.assignee) == ("BE", member)


def test_only_the_incidents_team_joins_tickets_to_it(ticket, outsider, platform, p1, admin):
    platform_incident = declare(title="Edge down", severity=p1, team=platform, by=outsider)
    payments_lead = person(
        "lee@example.com", "Lee Lead", team=ticket.team, membership=MembershipRole.LEAD
    )
    triage_ticket(ticket=ticket, by=payments_lead, classification="DEVOPS")
    with pytest.raises(PermissionDenied, match="only members of Platform may join tickets"):
        escalate_ticket(ticket=ticket, by=payments_lead, incident=platform_incident)
    ticket.refresh_from_db()
    assert ticket.incident is None
    escalate_ticket(ticket=ticket, by=admin, incident=platform_incident)
    ticket.refresh_from_db()
    assert ticket.incident == platform_incident


def test_a_ticket_of_an_open_incident_closes_only_as_fixed(ticket, lead):
    triage_ticket(ticket=ticket, by=lead, classification="FE")
    incident = escalate_ticket(ticket=ticket, by=lead)
    with pytest.raises(Conflict, match=f"belongs to the open incident {incident.reference}"):
        close_ticket(ticket=ticket, by=lead, reason="not_a_bug", note="no")
    close_ticket(ticket=ticket, by=lead, reason="fixed")
    ticket.refresh_from_db()
    assert ticket.close_reason == "fixed"


def test_a_lead_reopens_a_closed_ticket_with_a_reason(ticket, lead):
    close_ticket(ticket=ticket, by=lead, reason="not_a_bug", note="cookies")
    with pytest.raises(ValidationFailed, match="reason must not be empty"):
        reopen_ticket(ticket=ticket, by=lead, reason=" ")
    reopen_ticket(ticket=ticket, by=lead, reason="It happens with cookies allowed too")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.close_reason, ticket.close_note) == (TicketStatus.NEW, "", "")
    assert ticket.history.last().kind == TicketEvent.Kind.REOPENED
    with pytest.raises(Conflict, match="is not closed"):
        reopen_ticket(ticket=ticket, by=lead, reason="again")


def test_watchers_are_told_and_may_stop_watching(ticket, lead, member):
    watch_ticket(ticket=ticket, by=member)
    triage_ticket(ticket=ticket, by=lead, classification="FE")
    told = OutboxMessage.objects.filter(recipient=member, data__notice="ticket-triaged")
    assert told.count() == 1
    watch_ticket(ticket=ticket, by=member, watching=False)
    close_ticket(ticket=ticket, by=lead, reason="fixed")
    assert not OutboxMessage.objects.filter(recipient=member, data__notice="ticket-closed").exists()


def test_an_instance_wide_webhook_hears_every_teams_tickets(admin, agent, details, platform):
    create_webhook(team=None, name="Tracker", url="https://tracker.example.org/all", by=admin)
    open_ticket(by=agent, **details())
    open_ticket(by=agent, **details(team=platform))
    deliveries = OutboxMessage.objects.filter(channel="webhook", data__type="ticket.opened")
    assert deliveries.count() == 2


def test_a_viewer_may_not_watch_or_comment(ticket, viewer):
    with pytest.raises(PermissionDenied, match="only reads"):
        watch_ticket(ticket=ticket, by=viewer)
    assert not ticket.watchers.filter(pk=viewer.pk).exists()
