"""Who gets which button: viewers see everything, drafts included, and change nothing; a lead
changes only the components of their own team's services; admins set up the page."""

import re

import pytest

from tests.statuspage.manage_fixtures import post_forms
from tests.support.clock import utc
from tocsin.statuspage import services
from tocsin.statuspage.models import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    IncidentUpdate,
    Maintenance,
    ProposedStatus,
    PublicIncident,
    Subscriber,
)


@pytest.fixture
def scene(page, admin, checkout_component, card_component, api_component, told, rerendered):
    """An open public incident, a draft, a scheduled maintenance and a subscriber."""
    public = services.publish(
        page=page,
        by=admin,
        name="Checkout errors",
        status="investigating",
        body="Investigating.",
        component_statuses={checkout_component: "partial_outage"},
    )
    draft = services.publish(
        page=page,
        by=admin,
        name="Slow API (draft)",
        status="investigating",
        body="Looking.",
        component_statuses={api_component: "degraded_performance"},
        draft=True,
    )
    maintenance = services.schedule(
        page=page,
        by=admin,
        name="Card processor upgrade",
        scheduled_for=utc(2030, 3, 8, 1, 0),
        scheduled_until=utc(2030, 3, 8, 2, 0),
        components=[card_component],
    )
    subscriber = Subscriber.objects.create(
        page=page, kind="email", email="visitor@example.net", confirmed_at=utc(2026, 1, 1)
    )
    rerendered.clear()
    return {
        "public": public,
        "draft": draft,
        "maintenance": maintenance,
        "subscriber": subscriber,
        "group": checkout_component.group,
        "component": checkout_component,
    }


def _state():
    """Everything a management POST could change."""
    return (
        list(Component.objects.order_by("pk").values()),
        list(ComponentGroup.objects.order_by("pk").values()),
        ComponentStatusChange.objects.count(),
        list(PublicIncident.objects.order_by("pk").values()),
        IncidentUpdate.objects.count(),
        list(Maintenance.objects.order_by("pk").values()),
        Subscriber.objects.count(),
        list(ProposedStatus.objects.order_by("pk").values()),
    )


PAGES = [
    "/statuspage/",
    "/statuspage/components/",
    "/statuspage/incidents/",
    "/statuspage/incidents/{public}/",
    "/statuspage/incidents/{draft}/",
    "/statuspage/maintenances/",
    "/statuspage/maintenances/{maintenance}/",
    "/statuspage/components/{component}/",
    "/statuspage/groups/{group}/",
    "/statuspage/subscribers/",
    "/statuspage/proposed-statuses/",
]


def _codes(scene) -> dict:
    return {name: getattr(value, "code", None) for name, value in scene.items()}


def test_a_viewer_sees_every_page_and_the_drafts_but_no_button(signed_in, viewer, scene):
    client = signed_in(viewer)
    for url in PAGES:
        response = client.get(url.format(**_codes(scene)))
        assert response.status_code == 200, url
        html = response.content.decode()
        assert post_forms(html) == [], url
    overview = client.get("/statuspage/").content.decode()
    assert "Slow API (draft)" in overview and "Checkout errors" in overview
    assert "Card processor upgrade" in overview
    # Counted, but the addresses are for who manages them.
    subscribers = client.get("/statuspage/subscribers/").content.decode()
    assert '<strong class="subscriber-count">1</strong>' in subscribers
    assert "visitor@example.net" not in subscribers


POSTS = [
    ("/statuspage/groups/new/", {"name": "Billing"}),
    ("/statuspage/groups/{group}/", {"name": "Renamed"}),
    ("/statuspage/groups/{group}/move/", {"direction": "down"}),
    ("/statuspage/groups/{group}/delete/", {}),
    ("/statuspage/components/new/", {"name": "Web"}),
    ("/statuspage/components/{component}/", {"name": "Renamed"}),
    ("/statuspage/components/{component}/move/", {"direction": "down"}),
    ("/statuspage/components/{component}/status/", {"status": "major_outage"}),
    ("/statuspage/components/{component}/delete/", {}),
    (
        "/statuspage/incidents/new/",
        {"name": "Outage", "status": "investigating", "body": "Looking."},
    ),
    ("/statuspage/incidents/{public}/update/", {"status": "identified", "body": "Found it."}),
    ("/statuspage/incidents/{public}/resolve/", {"body": "Fixed.", "restore_components": "on"}),
    ("/statuspage/incidents/{public}/edit/", {"name": "Renamed", "impact_override": ""}),
    ("/statuspage/incidents/{draft}/publish/", {}),
    ("/statuspage/incidents/{public}/delete/", {}),
    (
        "/statuspage/maintenances/new/",
        {
            "name": "Again",
            "scheduled_for": "2030-03-09T02:00",
            "scheduled_until": "2030-03-09T03:00",
            "components": [],
        },
    ),
    ("/statuspage/maintenances/{maintenance}/update/", {"body": "Soon."}),
    ("/statuspage/maintenances/{maintenance}/cancel/", {}),
    ("/statuspage/maintenances/{maintenance}/complete/", {}),
    ("/statuspage/proposed-statuses/", {"severity-P1": "partial_outage"}),
]


@pytest.mark.parametrize("url, data", POSTS, ids=[url for url, _ in POSTS])
def test_a_viewers_posts_are_refused_and_change_nothing(
    signed_in, viewer, scene, checkout_component, url, data
):
    if "components" in data:
        data = {**data, "components": [checkout_component.pk]}
    before = _state()
    response = signed_in(viewer).post(url.format(**_codes(scene)), data)
    assert response.status_code == 403, response.content.decode()[:300]
    refusal = re.search(
        r'<h1 id="error-heading">.*?</h1>\s*<p>(.*?)</p>', response.content.decode(), re.S
    )
    assert refusal and ("is a viewer" in refusal.group(1) or "only an admin" in refusal.group(1))
    assert _state() == before


def test_a_lead_gets_buttons_for_their_teams_components_only(
    signed_in, lead, checkout_component, api_component
):
    html = signed_in(lead).get("/statuspage/components/").content.decode()
    forms = post_forms(html)
    assert f"/statuspage/components/{checkout_component.code}/status/" in forms
    assert f"/statuspage/components/{api_component.code}/status/" not in forms
    assert "/statuspage/groups/new/" not in forms  # groups are the admins'
    assert "/statuspage/components/new/#new-component" in forms


def test_a_lead_edits_their_teams_component(signed_in, lead, checkout_component, checkout):
    response = signed_in(lead).post(
        f"/statuspage/components/{checkout_component.code}/",
        {"name": "Checkout", "description": "Paying for an order.", "services": [checkout.pk]},
    )
    assert response.status_code == 302
    checkout_component.refresh_from_db()
    assert checkout_component.description == "Paying for an order."


def test_a_lead_may_not_edit_another_teams_component(
    signed_in, lead, api_component, api_service, checkout
):
    client = signed_in(lead)
    for url, data in [
        (
            f"/statuspage/components/{api_component.code}/",
            {"name": "Mine now", "services": [checkout.pk]},
        ),
        (f"/statuspage/components/{api_component.code}/status/", {"status": "major_outage"}),
        (f"/statuspage/components/{api_component.code}/delete/", {}),
    ]:
        before = _state()
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "only an admin, or a lead of the team of every service API shows" in (
            response.content.decode()
        )
        assert _state() == before


def test_a_lead_may_not_link_their_component_to_another_teams_service(
    signed_in, lead, checkout_component, checkout, api_service
):
    response = signed_in(lead).post(
        f"/statuspage/components/{checkout_component.code}/",
        {"name": "Checkout", "services": [checkout.pk, api_service.pk]},
    )
    assert response.status_code == 403
    assert list(checkout_component.services.all()) == [checkout]


def test_a_lead_may_not_add_a_component_for_another_team(signed_in, lead, page, api_service):
    response = signed_in(lead).post(
        "/statuspage/components/new/", {"name": "Web", "services": [api_service.pk]}
    )
    assert response.status_code == 403
    assert not Component.objects.exists()


def test_a_member_who_leads_nothing_gets_no_component_buttons(
    signed_in, member, checkout_component
):
    html = signed_in(member).get("/statuspage/components/").content.decode()
    assert post_forms(html) == []
