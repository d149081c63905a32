"""Webhook subscribers: Statuspage's webhook body, signed like Tocsin's webhooks, sent in the
webhooks lane to a real receiver on 127.0.0.1, and never to an internal address."""

import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.support.fakes.webhook_receiver import Receiver
from tests.support.outbox import deliver
from tests.support.web import BASE_URL
from tocsin.errors import Conflict, ValidationFailed
from tocsin.notify.delivery.lanes import Lane, lane_of
from tocsin.notify.outbox.models import OutboxMessage, OutboxState, Purpose
from tocsin.statuspage.models import Maintenance, Subscriber
from tocsin.statuspage.subscribers import links, notify, services

from . import subscribers_fixtures as shared
from .subscribers_fixtures import publish, tell

pytestmark = pytest.mark.django_db

# The shared fixtures, used by name.
_base_url = shared._base_url
status_page = shared.status_page
components = shared.components

# The fields of Statuspage's subscriber webhook for an incident, as its documentation's
# example shows them (meta, page, incident with incident_updates and components).
META_FIELDS = {"unsubscribe", "documentation", "generated_at"}
PAGE_FIELDS = {"id", "status_indicator", "status_description"}
INCIDENT_FIELDS = {
    "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "postmortem_ignored", "postmortem_body", "postmortem_body_last_updated_at",
    "postmortem_published_at", "postmortem_notified_subscribers", "postmortem_notified_twitter",
    "backfilled", "scheduled_for", "scheduled_until", "scheduled_remind_prior",
    "scheduled_reminded_at", "impact_override", "scheduled_auto_in_progress",
    "scheduled_auto_completed", "id", "page_id", "incident_updates", "components",
}  # fmt: skip
UPDATE_FIELDS = {
    "status", "body", "created_at", "wants_twitter_update", "twitter_updated_at", "updated_at",
    "display_at", "affected_components", "custom_tweet", "deliver_notifications", "id",
    "incident_id",
}  # fmt: skip
COMPONENT_FIELDS = {
    "status", "name", "created_at", "updated_at", "position", "description", "showcase", "id",
    "page_id", "group_id",
}  # fmt: skip
INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
IMPACTS = {"none", "minor", "major", "critical", "maintenance"}


@pytest.fixture
def receiver(settings):
    """A receiver on 127.0.0.1, whose network an admin allowed (as tests/webhooks do)."""
    settings.WEBHOOK_ALLOW_PRIVATE = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
    server = Receiver().start()
    yield server
    server.stop()


def hook(receiver, page, path="/status-hook", components=()):
    subscriber, secret = services.subscribe_webhook(
        page=page, url=receiver.url(path), components=components
    )
    receiver.secrets[path] = secret
    return subscriber


def test_an_update_arrives_in_statuspages_body_signed_like_tocsins_webhooks(
    receiver, status_page, components
):
    checkout = components["Checkout"]
    checkout.status = "partial_outage"
    checkout.save()
    subscriber = hook(receiver, status_page, components=[checkout])
    update = publish(
        status_page, "Checkout returns 502", components=[checkout], body="Some cannot pay."
    )

    assert tell(update) == 1
    message = OutboxMessage.objects.get(purpose=Purpose.STATUS_UPDATE)
    assert lane_of(purpose=message.purpose, channel=message.channel) == Lane.WEBHOOKS
    assert receiver.url("/status-hook") not in message.address  # never the URL
    report = deliver()

    assert (report.sent, report.failed) == (1, 0)
    [delivery] = receiver.deliveries
    assert delivery.verified and delivery.status == 204
    assert delivery.headers["X-Tocsin-Event"] == "statuspage.incident_update"
    assert delivery.headers["User-Agent"] == "Tocsin-Webhooks"
    body = delivery.json
    assert set(body) == {"meta", "page", "incident"}
    assert set(body["meta"]) == META_FIELDS
    unsubscribe = body["meta"]["unsubscribe"]
    assert unsubscribe.startswith(f"{BASE_URL}/status/unsubscribe/")
    assert links.read(unsubscribe.rsplit("/", 1)[1], links.UNSUBSCRIBE) == subscriber
    assert body["meta"]["documentation"] == f"{BASE_URL}/docs/statuspage.md"
    assert set(body["page"]) == PAGE_FIELDS
    assert body["page"] == {
        "id": status_page.code,
        "status_indicator": "major",
        "status_description": "Partial System Outage",
    }
    incident = body["incident"]
    assert set(incident) >= INCIDENT_FIELDS
    assert incident["id"] == update.incident.code
    assert incident["name"] == "Checkout returns 502"
    assert incident["status"] == "investigating"
    assert incident["impact"] == "major" and incident["impact"] in IMPACTS
    assert incident["shortlink"] == f"{BASE_URL}/status/incidents/{update.incident.code}"
    assert incident["created_at"].endswith("Z") and "T" in incident["created_at"]
    [first] = incident["incident_updates"]
    assert set(first) == UPDATE_FIELDS
    assert (first["id"], first["incident_id"], first["body"]) == (
        update.code,
        update.incident.code,
        "Some cannot pay.",
    )
    assert first["affected_components"][0] == {
        "code": checkout.code,
        "name": "Checkout",
        "old_status": "operational",
        "new_status": "partial_outage",
    }
    [component] = incident["components"]
    assert set(component) >= COMPONENT_FIELDS
    assert component["id"] == checkout.code
    assert component["group_id"] == checkout.group.code
    assert component["status"] == "partial_outage"


def test_the_page_indicator_uses_statuspages_values(receiver, status_page, components):
    hook(receiver, status_page)
    tell(publish(status_page, "All good again", components=[components["API"]]))
    deliver()
    [delivery] = receiver.deliveries
    assert delivery.json["page"]["status_indicator"] in INDICATORS
    assert delivery.json["page"]["status_indicator"] == "none"
    assert delivery.json["page"]["status_description"] == "All Systems Operational"


def test_a_maintenance_arrives_as_statuspage_sends_a_scheduled_incident(
    receiver, status_page, components
):
    hook(receiver, status_page)
    start = timezone.now() + timedelta(days=1)
    maintenance = Maintenance.objects.create(
        page=status_page,
        name="Card processor upgrade",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        remind_before=timedelta(hours=1),
    )
    maintenance.components.set([components["Card processing"]])
    with transaction.atomic():
        assert notify.maintenance_announced(maintenance, what="scheduled") == 1
    deliver()
    [delivery] = receiver.deliveries
    assert delivery.verified
    assert delivery.headers["X-Tocsin-Event"] == "statuspage.maintenance"
    incident = delivery.json["incident"]
    assert set(incident) >= INCIDENT_FIELDS
    assert incident["status"] == "scheduled"
    assert incident["impact"] == "maintenance"
    assert incident["scheduled_remind_prior"] is True
    assert incident["scheduled_for"] and incident["scheduled_until"]
    assert incident["shortlink"] == f"{BASE_URL}/status/maintenances/{maintenance.code}"


def test_private_addresses_are_refused_when_subscribing(status_page, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = ""
    for url in (
        "http://10.0.0.5/hook",
        "http://localhost:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0x7f000001/hook",
    ):
        with pytest.raises(ValidationFailed) as refused:
            services.subscribe_webhook(page=status_page, url=url)
        assert refused.value.field == "url"
        assert "webhooks are not sent to internal addresses" in refused.value.message
    with pytest.raises(ValidationFailed, match="must start with https:// or http://"):
        services.subscribe_webhook(page=status_page, url="ftp://hooks.example.net/")
    assert not Subscriber.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused_at_send_time(
    status_page, components, settings, monkeypatch
):
    settings.WEBHOOK_ALLOW_PRIVATE = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = ""
    services.subscribe_webhook(page=status_page, url="http://hooks.example.net/status")

    def resolves_inside(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port or 80))]

    monkeypatch.setattr(socket, "getaddrinfo", resolves_inside)
    tell(publish(status_page, "Checkout returns 502", components=[components["Checkout"]]))

    report = deliver()

    assert report.failed == 1
    message = OutboxMessage.objects.get(purpose=Purpose.STATUS_UPDATE)
    assert message.state == OutboxState.FAILED
    assert message.last_error == "refused: the URL leads to an internal address"


def test_a_webhook_subscriber_is_confirmed_at_once_and_its_secret_shown_once(status_page, admin):
    url = "https://hooks.example.net/status"
    subscriber, secret = services.subscribe_webhook(page=status_page, url=url, by=admin)
    assert subscriber.confirmed_at is not None
    assert len(secret) == 64
    with pytest.raises(Conflict, match="already receives the page's updates"):
        services.subscribe_webhook(page=status_page, url=url)
    assert Subscriber.objects.get(pk=subscriber.pk).secret == secret


def test_an_unsubscribed_webhook_gets_nothing_more(receiver, status_page, components):
    subscriber = hook(receiver, status_page)
    tell(publish(status_page, "Checkout returns 502", components=[components["Checkout"]]))
    services.unsubscribe(subscriber=subscriber)

    report = deliver()

    assert report.claimed == 0
    assert receiver.deliveries == []


def test_the_unsubscribe_link_in_a_delivery_unsubscribes_the_webhook(
    receiver, client, status_page, components
):
    subscriber = hook(receiver, status_page)
    tell(publish(status_page, "Checkout returns 502", components=[components["Checkout"]]))
    deliver()
    [delivery] = receiver.deliveries
    path = delivery.json["meta"]["unsubscribe"].removeprefix(BASE_URL)

    assert client.post(path).status_code == 200

    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()


# Statuspage's component_update webhook, as its documentation shows it.
COMPONENT_UPDATE_FIELDS = {"created_at", "new_status", "old_status", "id", "component_id"}


def test_a_component_status_change_reaches_its_webhook_subscribers_as_component_update(
    receiver, status_page, components, admin
):
    from tocsin.statuspage import services as statuspage

    checkout = components["Checkout"]
    hook(receiver, status_page, "/checkout", components=[checkout])
    hook(receiver, status_page, "/everything")
    hook(receiver, status_page, "/api-only", components=[components["API"]])
    Subscriber.objects.create(
        page=status_page, kind="email", email="ops@example.net", confirmed_at=timezone.now()
    )

    statuspage.set_component_status(component=checkout, status="major_outage", by=admin)
    report = deliver()

    assert (report.sent, report.failed) == (2, 0)  # not the API's hook, not the e-mail
    assert {d.path for d in receiver.deliveries} == {"/checkout", "/everything"}
    for delivery in receiver.deliveries:
        assert delivery.verified
        assert delivery.headers["X-Tocsin-Event"] == "statuspage.component_update"
        body = delivery.json
        assert set(body) == {"meta", "page", "component_update", "component"}
        assert set(body["meta"]) == META_FIELDS and set(body["page"]) == PAGE_FIELDS
        assert body["page"]["status_indicator"] == "critical"
        change = body["component_update"]
        assert set(change) == COMPONENT_UPDATE_FIELDS
        assert (change["old_status"], change["new_status"]) == ("operational", "major_outage")
        assert change["component_id"] == checkout.code and change["created_at"].endswith("Z")
        assert set(body["component"]) >= COMPONENT_FIELDS
        assert body["component"]["status"] == "major_outage"


def test_the_same_status_again_or_an_invisible_component_tells_nobody(
    receiver, status_page, components, admin
):
    from tocsin.statuspage import services as statuspage

    checkout = components["Checkout"]
    hook(receiver, status_page)
    statuspage.set_component_status(component=checkout, status="operational", by=admin)
    hidden = components["Web"]
    hidden.visible = False
    hidden.save()
    statuspage.set_component_status(component=hidden, status="major_outage", by=admin)
    assert not OutboxMessage.objects.filter(purpose=Purpose.STATUS_UPDATE).exists()
