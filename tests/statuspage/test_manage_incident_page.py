"""The incident page's "Status page" card: publish with the proposal prefilled, post updates,
and once the incident is resolved, resolve the public incident and its components in one click."""

import re

import pytest

from tests.statuspage.manage_fixtures import post_forms
from tocsin.incidents import services as incidents
from tocsin.incidents.models import Channel, Event, Severity
from tocsin.statuspage import services
from tocsin.statuspage.models import PublicIncident


@pytest.fixture
def p2_incident(payments, lead, severities, checkout):
    """ "Checkout returns 502", P2: its severity proposes a partial outage."""
    return incidents.declare(
        title="Checkout returns 502",
        severity=Severity.objects.get(key="P2"),
        team=payments,
        by=lead,
        via=Channel.WEB,
        services=[checkout],
        impact_how="some customers cannot pay",
    )


def _card(html: str) -> str:
    start = html.index('id="status-page"')
    return html[start : html.index("</section>", start)]


def _selected(card: str, component) -> str:
    select = re.search(
        rf'<select name="component-{component.code}"[^>]*>(.*?)</select>', card, re.S
    ).group(1)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def test_the_card_proposes_the_components_of_the_incidents_services(
    signed_in, lead, p2_incident, checkout_component, card_component, page
):
    html = signed_in(lead).get(f"/incidents/{p2_incident.pk}/").content.decode()
    card = _card(html)
    assert "Publish to status page" in card
    assert f"/statuspage/from-incident/{p2_incident.pk}/publish/" in post_forms(card)
    assert 'value="Checkout returns 502"' in card  # the name, from the title
    assert "Investigating: some customers cannot pay" in card  # the first update
    assert _selected(card, checkout_component) == "partial_outage"
    assert _selected(card, card_component) == ""  # offered, not proposed


def test_the_commander_publishes_from_the_incident_page(
    signed_in, lead, p2_incident, checkout_component, told, rerendered
):
    response = signed_in(lead).post(
        f"/statuspage/from-incident/{p2_incident.pk}/publish/",
        {
            "name": "Checkout returns errors",
            "status": "investigating",
            f"component-{checkout_component.code}": "partial_outage",
            "body": "Investigating: some customers cannot pay",
            "notify": "on",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/incidents/{p2_incident.pk}/#status-page"
    public_incident = PublicIncident.objects.get()
    assert public_incident.incident == p2_incident and public_incident.published_at
    checkout_component.refresh_from_db()
    assert checkout_component.status == "partial_outage"
    assert p2_incident.timeline.filter(kind=Event.PUBLIC_UPDATE).exists()
    card = _card(response.content.decode())
    assert "Investigating" in card and "Checkout returns errors" in card
    assert f'href="/status/incidents/{public_incident.code}"' in card
    assert f'href="/statuspage/incidents/{public_incident.code}/"' in card
    assert "Publish to status page" not in card
    assert (
        f"/statuspage/from-incident/{p2_incident.pk}/{public_incident.code}/update/"
        in post_forms(card)
    )


def test_a_bad_publication_is_shown_on_the_incident_page_and_publishes_nothing(
    signed_in, lead, p2_incident, checkout_component, told
):
    response = signed_in(lead).post(
        f"/statuspage/from-incident/{p2_incident.pk}/publish/",
        {"name": "Checkout", "status": "investigating", "body": ""},
        follow=True,
    )
    assert "Status page: First update: This field is required." in response.content.decode()
    assert not PublicIncident.objects.exists()


def test_publishing_twice_is_refused(signed_in, lead, p2_incident, page, checkout_component):
    data = {"name": "Checkout", "status": "investigating", "body": "Looking."}
    client = signed_in(lead)
    client.post(f"/statuspage/from-incident/{p2_incident.pk}/publish/", data)
    response = client.post(
        f"/statuspage/from-incident/{p2_incident.pk}/publish/", data, follow=True
    )
    assert "is already published" in response.content.decode()
    assert PublicIncident.objects.count() == 1


def _published(p2_incident, lead, page, checkout_component):
    return services.publish(
        page=page,
        by=lead,
        incident=p2_incident,
        name="Checkout returns errors",
        status="investigating",
        body="Investigating: some customers cannot pay",
        component_statuses={checkout_component: "partial_outage"},
    )


def test_updates_are_posted_from_the_card(
    signed_in, member, lead, p2_incident, page, checkout_component, told
):
    public_incident = _published(p2_incident, lead, page, checkout_component)
    url = f"/statuspage/from-incident/{p2_incident.pk}/{public_incident.code}/update/"
    client = signed_in(member)  # a member of the team, not the commander
    client.post(url, {"status": "identified", "body": "Identified: a bad release."})
    client.post(
        url,
        {
            "status": "monitoring",
            "body": "Monitoring: rolled back.",
            f"component-{checkout_component.code}": "degraded_performance",
        },
    )
    public_incident.refresh_from_db()
    checkout_component.refresh_from_db()
    assert public_incident.status == "monitoring"
    assert checkout_component.status == "degraded_performance"
    assert [u.status for u in public_incident.updates.order_by("display_at", "id")] == [
        "investigating",
        "identified",
        "monitoring",
    ]
    response = client.post(url, {"status": "monitoring", "body": ""}, follow=True)
    assert "Status page: Update: This field is required." in response.content.decode()
    assert public_incident.updates.count() == 3


def test_when_the_incident_is_resolved_one_click_resolves_the_public_incident(
    signed_in, lead, p2_incident, page, checkout_component, told
):
    public_incident = _published(p2_incident, lead, page, checkout_component)
    client = signed_in(lead)
    card = _card(client.get(f"/incidents/{p2_incident.pk}/").content.decode())
    assert "Resolve the public incident" not in card  # still open inside

    incidents.resolve(
        incident=p2_incident,
        by=lead,
        via=Channel.WEB,
        resolution="Release 812 rolled back; payments work again.",
    )
    card = _card(client.get(f"/incidents/{p2_incident.pk}/").content.decode())
    assert "Resolve the public incident and set its components back to Operational?" in card
    assert "Release 812 rolled back; payments work again.</textarea>" in card
    resolve = f"/statuspage/from-incident/{p2_incident.pk}/{public_incident.code}/resolve/"
    assert resolve in post_forms(card)

    response = client.post(
        resolve,
        {"body": "Release 812 rolled back; payments work again.", "restore_components": "on"},
        follow=True,
    )
    public_incident.refresh_from_db()
    checkout_component.refresh_from_db()
    assert public_incident.status == "resolved"
    assert checkout_component.status == "operational"
    last = public_incident.updates.order_by("-display_at", "-id").first()
    assert last.body == "Release 812 rolled back; payments work again."
    card = _card(response.content.decode())
    assert "Resolve the public incident" not in card
    assert "Resolved" in card


def test_who_may_not_publish_sees_the_state_without_forms(
    signed_in, viewer, outsider, lead, p2_incident, page, checkout_component
):
    for person in (viewer, outsider):
        card = _card(signed_in(person).get(f"/incidents/{p2_incident.pk}/").content.decode())
        assert post_forms(card) == [] and "Not on the status page" in card
    public_incident = _published(p2_incident, lead, page, checkout_component)
    for person in (viewer, outsider):
        card = _card(signed_in(person).get(f"/incidents/{p2_incident.pk}/").content.decode())
        assert post_forms(card) == []
        assert "Checkout returns errors" in card and "Investigating" in card
    response = signed_in(outsider).post(
        f"/statuspage/from-incident/{p2_incident.pk}/{public_incident.code}/update/",
        {"status": "identified", "body": "Not mine to say."},
        follow=True,
    )
    assert "may publish it to the status page" in response.content.decode()
    assert public_incident.updates.count() == 1


def test_a_viewers_publication_is_refused(signed_in, viewer, p2_incident, checkout_component):
    response = signed_in(viewer).post(
        f"/statuspage/from-incident/{p2_incident.pk}/publish/",
        {"name": "Checkout", "status": "investigating", "body": "Looking."},
        follow=True,
    )
    assert "Status page: only members of Payments" in response.content.decode()
    assert not PublicIncident.objects.exists()
