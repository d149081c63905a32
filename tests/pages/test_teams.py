"""Team pages: who is in the team, what it owns, and what is burning."""

from django.urls import reverse

from tests.support.web import body
from tocsin.incidents import services
from tocsin.incidents.models import Channel


def test_the_team_list_counts_members_services_and_open_incidents(
    signed_in, member, lead, incident, outsider
):
    html = body(signed_in(member).get(reverse("team-list")))
    assert "Payments" in html and "Platform" in html
    assert "2 members" in html  # Alice and Bob
    assert "1 service" in html
    assert "1 open incident" in html
    assert "Your team" in html


def test_a_team_page_shows_members_with_roles_services_and_open_incidents(
    signed_in, lead, member, incident, checkout, p3, payments
):
    closed = services.declare(
        title="Old refund bug", severity=p3, team=payments, by=lead, via=Channel.WEB
    )
    services.cancel(incident=closed, by=lead, via=Channel.WEB, reason="Duplicate")

    response = signed_in(member).get(reverse("team-detail", args=["payments"]))

    html = body(response)
    members = html.split('id="members-heading"')[1].split("</section>")[0]
    assert "Alice Novak" in members and "Lead" in members
    assert "Bob Okafor" in members and "Member" in members
    assert "Checkout" in html.split('id="services-heading"')[1]
    assert list(response.context["open_incidents"]) == [incident]
    assert "Checkout returns 502" in html
    assert "Old refund bug" not in html


def test_an_unknown_team_is_a_404(signed_in, member):
    assert signed_in(member).get(reverse("team-detail", args=["nope"])).status_code == 404
