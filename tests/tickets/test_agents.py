"""A support agent sees tickets, not the on-call set-up: every other page and API answers 403,
and no service lets them change an incident."""

import re

import pytest

from tocsin.accounts.services import add_member
from tocsin.errors import PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel
from tocsin.incidents.services import acknowledge, declare


@pytest.mark.parametrize(
    "path",
    [
        "/incidents/new/",
        "/alerting/rules/",
        "/integrations/",
        "/schedules/",
        "/oncall/policies/",
        "/webhooks/",
        "/teams/",
        "/metrics/",
        "/runbooks/",
    ],
)
def test_an_agent_is_refused_every_page_but_the_tickets(signed_in, agent, path):
    response = signed_in(agent).get(path)
    assert response.status_code == 403
    assert "support agents work on support tickets only" in response.content.decode()


def test_an_agent_lands_on_the_tickets(signed_in, agent):
    client = signed_in(agent)
    assert client.get("/").headers["Location"] == "/tickets/"
    assert client.get("/incidents/").headers["Location"] == "/tickets/"
    page = client.get("/tickets/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/tickets/new/"' in html
    assert 'href="/schedules/"' not in html  # the top bar shows tickets only


def test_an_agents_token_reaches_only_the_tickets_api(api_as, agent, ticket):
    client = api_as(agent)
    assert client.get("/tickets").status_code == 200
    for path in ("/incidents", "/teams", "/rules", "/schedules"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["message"] == "support agents work on support tickets only"


def test_an_agent_cannot_change_an_incident(agent, payments, lead, p1):
    incident = declare(title="Checkout down", severity=p1, team=payments, by=lead)
    with pytest.raises(PermissionDenied):
        acknowledge(incident=incident, by=agent, via=Channel.WEB)
    with pytest.raises(PermissionDenied, match="is a support agent and works only on support"):
        declare(title="Mine", severity=p1, team=payments, by=agent)


def test_an_agent_does_not_join_a_team(agent, payments, admin):
    with pytest.raises(ValidationFailed, match="support agents do not join teams"):
        add_member(team=payments, user=agent, by=admin)
    assert not payments.memberships.filter(user=agent).exists()


def test_every_agent_sees_every_ticket_the_team_sees_its_own(
    signed_in, ticket, other_agent, member, outsider, viewer
):
    for person in (other_agent, member, viewer):
        assert signed_in(person).get(f"/tickets/{ticket.pk}/").status_code == 200
    assert signed_in(outsider).get(f"/tickets/{ticket.pk}/").status_code == 403
    listed = signed_in(outsider).get("/tickets/").content.decode()
    assert ticket.reference not in listed


def test_a_viewer_reads_tickets_but_does_not_open_one(signed_in, viewer):
    assert signed_in(viewer).get("/tickets/new/").status_code == 403


def test_an_agents_profile_offers_nothing_they_cannot_open(signed_in, agent):
    client = signed_in(agent)
    page = client.get("/profile/").content.decode()
    for path in sorted(set(re.findall(r'href="(/[^"#]*)"', page))):
        assert client.get(path).status_code == 200, path
