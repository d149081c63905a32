"""The lead triages and either escalates the ticket to an incident (severity from the urgency,
team from the classification, both linked) or closes it with a reason the agent sees; when the
incident is resolved the agent is told."""

import pytest

from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Event, Source, Status
from tocsin.incidents.services import cancel, declare, reopen, resolve
from tocsin.notify.outbox.models import OutboxMessage
from tocsin.tickets.models import CloseReason, TicketEvent, TicketStatus
from tocsin.tickets.services import (
    close_ticket,
    escalate_ticket,
    open_ticket,
    set_classification_team,
    set_urgency_severity,
    triage_ticket,
)


@pytest.fixture
def triaged(ticket, lead):
    return triage_ticket(ticket=ticket, by=lead, classification="FE")


def mails_to(person):
    return OutboxMessage.objects.filter(recipient=person, channel="email")


def test_escalating_opens_an_incident_from_the_ticket(triaged, lead, severities):
    incident = escalate_ticket(ticket=triaged, by=lead)
    triaged.refresh_from_db()
    assert triaged.incident == incident
    assert triaged.status == TicketStatus.ESCALATED
    assert incident.source == Source.TICKET
    assert incident.title == "ADMINS-FBLOCK-FE: Clicking on user details gives an error"
    assert incident.severity.key == "P2"  # U2 High → the second rung
    assert incident.team.name == "Payments"  # no mapping: the ticket's team
    assert "cust-4711" in incident.description
    assert list(incident.tickets.all()) == [triaged]
    event = incident.timeline.get(kind=Event.TICKET)
    assert event.message == (
        f"Escalated from {triaged.reference} by Alice Novak: "
        "ADMINS-FBLOCK-FE: Clicking on user details gives an error"
    )


def test_the_mappings_choose_severity_and_team(triaged, lead, admin, web, severities):
    set_urgency_severity(urgency=2, severity=severities["P1"], by=admin)
    set_classification_team(classification="FE", team=web, by=admin)
    incident = escalate_ticket(ticket=triaged, by=lead)
    assert (incident.severity.key, incident.team) == ("P1", web)


def test_a_second_escalation_answers_the_incident_it_has(triaged, lead):
    first = escalate_ticket(ticket=triaged, by=lead)
    again = escalate_ticket(ticket=triaged, by=lead)
    assert again == first
    assert first.tickets.count() == 1
    assert first.timeline.filter(kind=Event.TICKET).count() == 1


def test_several_tickets_join_one_incident(triaged, lead, agent, details):
    incident = escalate_ticket(ticket=triaged, by=lead)
    for number in range(2):
        other = open_ticket(by=agent, **details(customer_user_id=f"cust-{number}"))
        triage_ticket(ticket=other, by=lead, classification="FE")
        escalate_ticket(ticket=other, by=lead, incident=incident)
    assert incident.tickets.count() == 3
    last = incident.timeline.filter(kind=Event.TICKET).order_by("at", "id").last()
    assert last.message.endswith("(3 tickets)")
    assert "joined by Alice Novak" in last.message


def test_escalation_needs_the_classification_first(ticket, lead):
    with pytest.raises(ValidationFailed, match="triage it first") as error:
        escalate_ticket(ticket=ticket, by=lead)
    assert error.value.field == "classification"
    ticket.refresh_from_db()
    assert ticket.incident is None


def test_a_ticket_joins_only_an_open_incident(triaged, lead, payments, p1):
    closed = declare(title="Old", severity=p1, team=payments, by=lead)
    resolve(incident=closed, by=lead, via=Channel.WEB, resolution="done")
    with pytest.raises(Conflict, match="join an open incident"):
        escalate_ticket(ticket=triaged, by=lead, incident=closed)
    triaged.refresh_from_db()
    assert triaged.incident is None


def test_only_the_teams_leads_triage_escalate_and_close(ticket, member, agent, outsider):
    for person in (member, agent, outsider):
        with pytest.raises(PermissionDenied, match="only an admin or a lead of Payments"):
            triage_ticket(ticket=ticket, by=person, classification="FE")
        with pytest.raises(PermissionDenied, match="only an admin or a lead of Payments"):
            escalate_ticket(ticket=ticket, by=person)
        with pytest.raises(PermissionDenied, match="only an admin or a lead of Payments"):
            close_ticket(ticket=ticket, by=person, reason="not_a_bug", note="x")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_closing_as_not_an_application_problem_needs_the_reason_the_agent_sees(ticket, lead, agent):
    with pytest.raises(ValidationFailed, match="say why it is not an application problem"):
        close_ticket(ticket=ticket, by=lead, reason="not_a_bug")
    close_ticket(
        ticket=ticket,
        by=lead,
        reason="not_a_bug",
        note="Their browser blocks third-party cookies; ask them to allow ours.",
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.close_reason) == (TicketStatus.CLOSED, CloseReason.NOT_A_BUG)
    [mail] = mails_to(agent).filter(data__notice="ticket-closed")
    assert "Their browser blocks third-party cookies" in mail.body_text
    assert mail.subject.startswith(f"[{ticket.reference}] Closed (Not an application problem)")


def test_a_duplicate_names_the_ticket_it_duplicates(ticket, lead, agent, details):
    other = open_ticket(by=agent, **details())
    with pytest.raises(ValidationFailed, match="name the ticket it duplicates"):
        close_ticket(ticket=other, by=lead, reason="duplicate")
    close_ticket(ticket=other, by=lead, reason="duplicate", duplicate_of=ticket)
    other.refresh_from_db()
    assert other.duplicate_of == ticket
    assert other.history.last().message == (
        f"Closed by Alice Novak: Duplicate of {ticket.reference}"
    )


def test_the_agent_is_told_when_the_incident_is_resolved(triaged, lead, member, agent):
    incident = escalate_ticket(ticket=triaged, by=lead)
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back 2.14.1")
    triaged.refresh_from_db()
    assert (triaged.status, triaged.close_reason) == (TicketStatus.CLOSED, CloseReason.FIXED)
    told = triaged.history.filter(kind=TicketEvent.Kind.INCIDENT).get()
    assert told.message == f"{incident.reference} resolved by Alice Novak: Rolled back 2.14.1"
    [mail] = mails_to(agent).filter(data__notice="ticket-incident")
    assert mail.subject == (
        f"[{triaged.reference}] Resolved: {incident.reference} fixed "
        "ADMINS-FBLOCK-FE: Clicking on user details gives an error"
    )
    assert "Resolution: Rolled back 2.14.1" in mail.body_text
    assert "user id cust-4711" in mail.body_text


def test_a_reopened_incident_reopens_its_tickets(triaged, lead):
    incident = escalate_ticket(ticket=triaged, by=lead)
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back")
    reopen(incident=incident, by=lead, via=Channel.WEB, reason="Errors are back")
    triaged.refresh_from_db()
    assert triaged.status == TicketStatus.ESCALATED
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED


def test_the_agent_is_mailed_at_each_change_but_not_for_their_own(triaged, lead, agent):
    assert mails_to(agent).filter(data__notice="ticket-triaged").count() == 1
    assert not mails_to(lead).filter(data__notice="ticket-triaged").exists()
    escalate_ticket(ticket=triaged, by=lead)
    assert mails_to(agent).filter(data__notice="ticket-escalated").count() == 1


def test_the_teams_leads_hear_of_a_new_ticket(lead, member, ticket):
    [mail] = mails_to(lead).filter(data__notice="ticket-created")
    assert mail.subject == (
        f"[{ticket.reference}] New ticket for Payments: "
        "ADMINS-FBLOCK: Clicking on user details gives an error"
    )
    assert not mails_to(member).exists()


def test_a_cancelled_incident_gives_its_tickets_back_to_triage(triaged, lead, agent):
    incident = escalate_ticket(ticket=triaged, by=lead)
    cancel(incident=incident, by=lead, via=Channel.WEB, reason="a duplicate of INC-3")
    triaged.refresh_from_db()
    assert (triaged.status, triaged.incident) == (TicketStatus.TRIAGED, None)
    assert triaged.history.last().message == (
        f"{incident.reference} was cancelled (a duplicate of INC-3): the ticket is back to triage"
    )
    assert mails_to(agent).filter(data__notice="ticket-incident").exists()
    again = escalate_ticket(ticket=triaged, by=lead)  # escalating again opens a new one
    assert again != incident


def test_a_ticket_does_not_join_a_drill(triaged, lead, payments, p1):
    drill = declare(title="Practice", severity=p1, team=payments, by=lead, drill=True)
    with pytest.raises(Conflict, match="is a drill"):
        escalate_ticket(ticket=triaged, by=lead, incident=drill)
