"""What a drill never reaches: the status page (not by hand either), and webhooks that did not
opt in to drills (`include_drills`, off by default, on the form and in the API)."""

import pytest
from django.urls import reverse

from tocsin.accounts.permissions import may_publish_for_incident
from tocsin.drills.services import start_drill
from tocsin.errors import Conflict
from tocsin.incidents.models import Event
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.statuspage import services as statuspage
from tocsin.statuspage.models import Page, PublicIncident
from tocsin.webhooks.models import Webhook
from tocsin.webhooks.services import create_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def drill(scenario, policy, lead):
    return start_drill(scenario=scenario, by=lead).incident


def test_a_drill_cannot_be_published_on_the_status_page_by_hand(drill, lead, admin, api_as):
    page = Page.objects.filter(is_default=True).first() or Page.objects.create(
        slug="public", name="Status", is_default=True
    )
    assert not may_publish_for_incident(lead, drill)
    with pytest.raises(Conflict, match=f"{drill.reference} is a drill: drills are never published"):
        statuspage.publish(
            page=page,
            by=admin,
            name="Checkout is down",
            status="investigating",
            body="Looking into it",
            component_statuses={},
            incident=drill,
        )
    assert not PublicIncident.objects.exists()
    assert not drill.timeline.filter(kind=Event.PUBLIC_UPDATE).exists()


def test_only_webhooks_that_opted_in_hear_of_drills(scenario, policy, lead, admin, payments):
    quiet = create_webhook(team=payments, name="quiet", url="https://a.example.com/", by=admin)
    loud = create_webhook(
        team=None, name="loud", url="https://b.example.com/", include_drills=True, by=admin
    )
    assert (quiet.include_drills, loud.include_drills) == (False, True)

    incident = start_drill(scenario=scenario, by=lead).incident

    queued = OutboxMessage.objects.filter(purpose=Purpose.WEBHOOK, incident=incident)
    assert [m.data["webhook"] for m in queued] == [loud.pk]
    assert '"drill":true' in queued.get().body_text.replace(" ", "")


def test_the_api_and_the_form_set_include_drills(lead, admin, api_as, signed_in, payments):
    response = api_as(lead).post(
        "/webhooks",
        {
            "team": "payments",
            "name": "Bot",
            "url": "https://hooks.example.com/x",
            "include_drills": True,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["include_drills"] is True
    webhook = Webhook.objects.get()
    response = api_as(lead).patch(f"/webhooks/{webhook.pk}", {"include_drills": False})
    assert response.json()["include_drills"] is False

    response = signed_in(lead).post(
        reverse("webhook-update", args=[webhook.pk]),
        {
            "name": "Bot",
            "url": "https://hooks.example.com/x",
            "events": ["incident.triggered"],
            "enabled": "on",
            "include_drills": "on",
        },
    )
    assert response.status_code == 302, response.content
    webhook.refresh_from_db()
    assert webhook.include_drills is True
    page = signed_in(lead).get(reverse("webhook-detail", args=[webhook.pk])).content.decode()
    assert "Include drills" in page


def test_the_incident_page_of_a_drill_offers_no_publishing_and_a_post_is_refused(
    drill, lead, signed_in
):
    browser = signed_in(lead)
    page = browser.get(reverse("incident-detail", args=[drill.pk])).content.decode()
    assert "Publish to status page" not in page
    assert "Not on the status page." in page

    response = browser.post(
        reverse("statuspage-from-incident-publish", args=[drill.pk]),
        {"name": "Checkout is down", "status": "investigating", "body": "Looking into it"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"Status page: {drill.reference} is a drill: drills are never published on a status page"
    ]
    assert not PublicIncident.objects.exists()
