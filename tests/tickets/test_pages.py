"""The ticket pages: the list and its filters, the new-ticket form, the lead's forms on the
ticket page (each refusal on its form, 422, nothing changed), and the admins' matrix page."""

import pytest

from tests.support.web import page_text
from tocsin.hotfixes.services import record_hot_fix
from tocsin.tickets.models import Ticket, TicketStatus, UrgencyCell
from tocsin.tickets.services import close_ticket, escalate_ticket, triage_ticket


def test_the_list_shows_tagline_urgency_and_status(signed_in, agent, ticket):
    text = page_text(signed_in(agent).get("/tickets/"))
    assert f"{ticket.reference} ADMINS-FBLOCK: Clicking on user details gives an error" in text
    assert "U2 High" in text
    assert "1 ticket." in text


def test_the_list_filters_by_status_and_search(signed_in, member, ticket, lead):
    client = signed_in(member)
    assert ticket.reference in page_text(client.get("/tickets/?q=cust-4711"))
    assert ticket.reference not in page_text(client.get("/tickets/?q=someone-else"))
    assert ticket.reference not in page_text(client.get("/tickets/?status=closed"))
    assert ticket.reference in page_text(client.get("/tickets/?status=all"))


def test_the_new_ticket_form_refuses_a_missing_answer_and_stores_nothing(
    signed_in, agent, payments
):
    response = signed_in(agent).post(
        "/tickets/new/",
        {"team": payments.pk, "customer_user_id": "c-1", "title": "Broken", "scope": "ADMINS"},
    )
    assert response.status_code == 422
    text = page_text(response)
    assert "This field is required." in text
    assert not Ticket.objects.exists()


def test_the_new_ticket_form_shows_the_matrix(signed_in, agent):
    text = page_text(signed_in(agent).get("/tickets/new/"))
    assert "How urgent it will be" in text
    assert "ADMINS Some admins U2 High U2 High U3 Medium" in text


def test_the_lead_sees_the_triage_form_and_the_agent_does_not(signed_in, lead, agent, ticket):
    assert "Save triage" in page_text(signed_in(lead).get(f"/tickets/{ticket.pk}/"))
    agent_page = page_text(signed_in(agent).get(f"/tickets/{ticket.pk}/"))
    assert "Save triage" not in agent_page
    assert "Escalate" not in agent_page
    response = signed_in(agent).post(f"/tickets/{ticket.pk}/triage/", {"classification": "FE"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.classification == ""


def test_another_urgency_without_a_reason_is_refused_on_the_form(signed_in, lead, ticket):
    response = signed_in(lead).post(
        f"/tickets/{ticket.pk}/triage/", {"classification": "FE", "urgency": "1"}
    )
    assert response.status_code == 422
    assert "say why it is U1 Critical" in page_text(response)
    ticket.refresh_from_db()
    assert (ticket.urgency, ticket.classification) == (2, "")


def test_escalating_before_triage_is_refused_on_the_form(signed_in, lead, ticket):
    response = signed_in(lead).post(f"/tickets/{ticket.pk}/escalate/", {"incident": ""})
    assert response.status_code == 422
    assert "triage it first" in page_text(response)
    ticket.refresh_from_db()
    assert ticket.incident is None


def test_the_closing_reason_the_agent_sees_is_on_the_ticket(signed_in, lead, agent, ticket):
    response = signed_in(lead).post(
        f"/tickets/{ticket.pk}/close/",
        {"reason": "not_a_bug", "note": "Ask them to allow cookies from us."},
    )
    assert response.status_code == 302
    text = page_text(signed_in(agent).get(f"/tickets/{ticket.pk}/"))
    assert "Closed: Not an application problem" in text
    assert "Ask them to allow cookies from us." in text


def test_a_duplicate_of_an_unknown_ticket_is_refused_on_the_form(signed_in, lead, ticket):
    response = signed_in(lead).post(
        f"/tickets/{ticket.pk}/close/", {"reason": "duplicate", "duplicate_of": "TKT-999"}
    )
    assert response.status_code == 422
    assert "there is no ticket TKT-999" in page_text(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_an_agent_sees_the_incident_reference_but_no_link_to_it(
    signed_in, lead, agent, ticket, severities
):
    triage_ticket(ticket=ticket, by=lead, classification="FE")
    incident = escalate_ticket(ticket=ticket, by=lead)
    html = signed_in(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert incident.reference in html
    assert f'href="/incidents/{incident.pk}/"' not in html
    lead_html = signed_in(lead).get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'href="/incidents/{incident.pk}/"' in lead_html


def test_comments_are_in_the_history(signed_in, member, ticket):
    response = signed_in(member).post(
        f"/tickets/{ticket.pk}/comment/", {"text": "Seen it too on staging"}
    )
    assert response.status_code == 302
    assert "Bob Okafor : Seen it too on staging" in page_text(
        signed_in(member).get(f"/tickets/{ticket.pk}/")
    )


@pytest.mark.parametrize("who", ["lead", "agent"])
def test_only_admins_change_the_matrix_on_its_page(signed_in, request, who):
    person = request.getfixturevalue(who)
    response = signed_in(person).post(
        "/tickets/settings/urgency/", {"scope": "ADMINS", "criticality": "FBLOCK", "urgency": "1"}
    )
    assert response.status_code == 403
    assert not UrgencyCell.objects.exists()


def test_an_admin_changes_a_cell_on_the_matrix_page(signed_in, admin):
    response = signed_in(admin).post(
        "/tickets/settings/urgency/", {"scope": "ADMINS", "criticality": "FBLOCK", "urgency": "1"}
    )
    assert response.status_code == 302
    assert UrgencyCell.objects.get().urgency == 1
    text = page_text(signed_in(admin).get("/tickets/settings/"))
    assert "ADMINS Some admins U2 High U1 Critical U3 Medium" in text


def test_the_ticket_shows_its_incidents_hot_fix(signed_in, lead, member, agent, ticket):
    triage_ticket(ticket=ticket, by=lead, classification="FE")
    incident = escalate_ticket(ticket=ticket, by=lead)
    record_hot_fix(
        incident=incident,
        by=member,
        change_url="https://git.example.org/shop/pull/41",
        branch="main",
        targets=["release/2.3"],
    )
    text = page_text(signed_in(agent).get(f"/tickets/{ticket.pk}/"))
    assert (
        "Hot fix: https://git.example.org/shop/pull/41 on main, to merge back into "
        "release/2.3 (not yet)"
    ) in text


def test_a_closed_ticket_still_takes_comments(signed_in, lead, agent, ticket):
    close_ticket(ticket=ticket, by=lead, reason="fixed")
    page = page_text(signed_in(agent).get(f"/tickets/{ticket.pk}/"))
    assert "Add comment" in page
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/comment/", {"text": "The customer says it works now"}
    )
    assert response.status_code == 302
    assert ticket.history.last().message == "The customer says it works now"
