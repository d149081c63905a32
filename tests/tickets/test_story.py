"""End to end, the story of docs/tickets.md: Sam, a support agent, opens a ticket on the web
with two screenshots, a HAR file and a screen recording; Tocsin shows the tagline and the
urgency, and stores the HAR without its secrets. Alice, Payments' lead, triages it as FE and
escalates it: a P1 by the mapping, which pages Bob, on call, over real SMTP, and posts its card
in Payments' Telegram group (the fake Telegram server). Bob resolves it; the card's thread says
so; Sam is e-mailed that it is fixed and the ticket says so."""

import pytest

from tests.postincident.situation.conftest import group, telegram  # noqa: F401
from tests.support.mailbox import text_of
from tests.support.outbox import deliver
from tests.support.web import page_text
from tests.tickets.attachments.files import BEARER, PASSWORD, SESSION_COOKIE, har, mp4, png, upload
from tocsin.incidents.models import Channel, Event, Source
from tocsin.incidents.services import acknowledge, resolve
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.tickets.attachments.storage import path_of
from tocsin.tickets.models import Ticket, TicketStatus
from tocsin.tickets.services import set_urgency_severity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    settings.ATTACHMENT_DIR = str(tmp_path / "attachments")


def test_a_ticket_from_the_agent_to_the_fix(  # noqa: PLR0915 (one story, step by step)
    smtp,
    telegram,  # noqa: F811
    group,  # noqa: F811
    signed_in,
    client,
    agent,
    lead,
    member,
    payments,
    severities,
    admin,
    policy,
):
    set_urgency_severity(urgency=2, severity=severities["P1"], by=admin)

    # Sam opens the ticket on the web, with four files.
    client.force_login(agent)
    response = client.post(
        "/tickets/new/",
        {
            "team": payments.pk,
            "customer_user_id": "cust-4711",
            "scope": "ADMINS",
            "criticality": "FBLOCK",
            "title": "Clicking on user details gives an error",
            "what_they_did": "Admin → Users, clicked a name",
            "what_happened": "An error page",
            "browser": "Firefox 133",
            "attachments": [
                upload("users.png", png()),
                upload("error.png", png(4, 4)),
                upload("session.har", har()),
                upload("recording.mp4", mp4()),
            ],
        },
    )
    assert response.status_code == 302, page_text(response)
    ticket = Ticket.objects.get()
    page = page_text(client.get(f"/tickets/{ticket.pk}/"))
    assert "ADMINS-FBLOCK: Clicking on user details gives an error" in page
    assert "U2 High (from the matrix)" in page
    assert ticket.attachments.count() == 4
    stored_har = ticket.attachments.get(kind="har")
    content = path_of(stored_har.stored_as).read_bytes()
    for secret in (SESSION_COOKIE.split("=")[1], BEARER.split()[1], PASSWORD):
        assert secret.encode() not in content
    assert "Removed:" in page

    # Alice, told of the new ticket, triages it and escalates it.
    client.force_login(lead)
    response = client.post(f"/tickets/{ticket.pk}/triage/", {"classification": "FE"})
    assert response.status_code == 302, page_text(response)
    response = client.post(f"/tickets/{ticket.pk}/escalate/", {"incident": ""})
    assert response.status_code == 302, page_text(response)
    ticket.refresh_from_db()
    incident = ticket.incident
    assert (incident.severity.key, incident.source, ticket.status) == (
        "P1",
        Source.TICKET,
        TicketStatus.ESCALATED,
    )
    incident_page = page_text(client.get(f"/incidents/{incident.pk}/"))
    assert f"{ticket.reference} ADMINS-FBLOCK-FE: Clicking on user details gives an error" in (
        incident_page
    )
    assert "users.png" in incident_page  # the attachments, visible from the incident

    # The P1 pages Bob; he acknowledges and resolves it.
    run_due_escalations()
    deliver()
    page_mail = next(m for m in smtp.messages if m["To"] == member.email)
    assert incident.reference in page_mail["Subject"]
    [card] = [m for m in telegram.messages.values() if m["reply_to"] is None]
    assert "ADMINS-FBLOCK-FE: Clicking on user details gives an error" in card["plain"]
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Rolled back 2.14.1")
    deliver()
    deliver()  # a reply in the card's thread waits for the card
    assert any(
        f"{incident.reference} resolved by Bob Okafor" in m["plain"]
        for m in telegram.messages.values()
        if m["reply_to"] is not None
    ), telegram.messages

    # Sam is told, by e-mail and on the ticket.
    [told] = [m for m in smtp.messages if m["To"] == agent.email and "Resolved" in m["Subject"]]
    assert told["Subject"] == (
        f"[{ticket.reference}] Resolved: {incident.reference} fixed "
        "ADMINS-FBLOCK-FE: Clicking on user details gives an error"
    )
    assert "Resolution: Rolled back 2.14.1" in text_of(told)
    client.force_login(agent)
    page = page_text(client.get(f"/tickets/{ticket.pk}/"))
    assert "Closed: Fixed" in page
    assert f"{incident.reference} resolved by Bob Okafor: Rolled back 2.14.1" in page
    assert incident.timeline.filter(kind=Event.TICKET).count() == 1
    [opened] = [m for m in smtp.messages if m["To"] == lead.email and "New ticket" in m["Subject"]]
    assert "ADMINS-FBLOCK: Clicking on user details gives an error" in opened["Subject"]
