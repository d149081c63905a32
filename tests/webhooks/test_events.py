"""Which incident events become which webhook deliveries, for which webhooks, with what body."""

import json

import pytest
from django.db import transaction

from tests.support.web import BASE_URL
from tocsin.incidents.models import Channel
from tocsin.incidents.services import (
    acknowledge,
    add_note,
    assign,
    assign_role,
    cancel,
    change_severity,
    reopen,
    resolve,
    set_status,
    update_details,
)
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.webhooks.services import update_webhook

pytestmark = pytest.mark.django_db


def _types(webhook=None) -> list[str]:
    messages = OutboxMessage.objects.filter(purpose=Purpose.WEBHOOK).order_by("id")
    if webhook is not None:
        messages = messages.filter(data__webhook=webhook.pk)
    return [message.data["type"] for message in messages]


def _bodies(webhook) -> list[dict]:
    messages = OutboxMessage.objects.filter(purpose=Purpose.WEBHOOK, data__webhook=webhook.pk)
    return [json.loads(message.body_text) for message in messages.order_by("id")]


def test_every_change_of_an_incident_maps_to_one_event_type(
    hook, new_incident, lead, member, other_member, p3
):
    webhook = hook("/all")
    incident = new_incident()
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    assign(incident=incident, to=other_member, by=lead, via=Channel.WEB)
    set_status(incident=incident, status="identified", by=member, via=Channel.WEB)
    change_severity(incident=incident, severity=p3, by=member, via=Channel.WEB)
    update_details(incident=incident, by=member, via=Channel.WEB, title="Checkout is slow")
    add_note(incident=incident, by=member, via=Channel.WEB, text="Rolling back")
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Rolled back")
    reopen(incident=incident, by=member, via=Channel.WEB, reason="Back again")
    cancel(incident=incident, by=lead, via=Channel.WEB, reason="Duplicate of INC-1")

    assert _types(webhook) == [
        "incident.triggered",
        "incident.acknowledged",
        "incident.updated",  # assigned
        "incident.updated",  # identified
        "incident.updated",  # severity
        "incident.updated",  # title
        "incident.note_added",
        "incident.resolved",
        "incident.reopened",
        "incident.resolved",  # cancelled: closed too
    ]
    bodies = _bodies(webhook)
    assert [b["event"]["kind"] for b in bodies[2:6]] == [
        "assigned",
        "status_changed",
        "severity_changed",
        "updated",
    ]
    assert bodies[6]["event"]["message"] == "Rolling back"
    cancelled = bodies[-1]
    assert cancelled["event"]["kind"] == "cancelled"
    assert cancelled["incident"]["status"] == "cancelled"
    assert cancelled["incident"]["cancel_reason"] == "Duplicate of INC-1"


def test_roles_alerts_and_pages_send_nothing(hook, new_incident, lead, member):
    webhook = hook("/all")
    incident = new_incident()  # also makes the lead its commander: a role, no delivery
    assign_role(incident=incident, user=member, role="responder", by=member, via=Channel.WEB)

    assert _types(webhook) == ["incident.triggered"]


def test_a_webhook_gets_only_the_types_it_subscribed_to(hook, new_incident, member):
    closed = hook("/closed", events=["incident.resolved"])
    everything = hook("/everything")
    incident = new_incident()
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Fixed")

    assert _types(closed) == ["incident.resolved"]
    assert _types(everything) == [
        "incident.triggered",
        "incident.acknowledged",
        "incident.resolved",
    ]


def test_a_team_webhook_hears_only_its_own_teams_incidents(
    hook, new_incident, payments, platform, lead, outsider, admin
):
    ours = hook("/payments", team=payments, by=lead)
    everyone = hook("/everyone")
    new_incident(team=platform, by=outsider, title="DNS is down")
    new_incident(team=payments, by=lead)

    assert [b["incident"]["team"]["slug"] for b in _bodies(ours)] == ["payments"]
    assert [b["incident"]["team"]["slug"] for b in _bodies(everyone)] == ["platform", "payments"]


def test_a_disabled_webhook_gets_nothing_queued(hook, new_incident, admin):
    webhook = hook("/off")
    update_webhook(webhook=webhook, by=admin, enabled=False)

    new_incident()

    assert _types() == []


def test_nothing_is_queued_when_the_change_rolls_back(hook, new_incident, member):
    webhook = hook("/ops")
    incident = new_incident()

    with pytest.raises(RuntimeError), transaction.atomic():
        acknowledge(incident=incident, by=member, via=Channel.WEB)
        raise RuntimeError("the request failed after the acknowledgement")

    assert _types(webhook) == ["incident.triggered"]


def test_one_delivery_per_webhook_and_event(hook, new_incident, receiver):
    webhook = hook("/ops")
    incident = new_incident()

    [message] = OutboxMessage.objects.filter(purpose=Purpose.WEBHOOK)
    event = incident.timeline.get(kind="created")
    assert message.idempotency_key == f"webhook:{webhook.pk}:{event.pk}"
    assert message.channel == "webhook"
    # Not the URL: the timeline copies a failed delivery's address, and everyone reads it.
    assert message.address == f"webhook {webhook.pk}"
    assert message.incident == incident
    assert message.data["webhook"] == webhook.pk
    assert message.data["type"] == "incident.triggered"


def test_the_body_describes_the_incident_and_the_event(hook, new_incident, lead, member):
    webhook = hook("/ops")
    incident = new_incident()
    acknowledge(incident=incident, by=member, via=Channel.TELEGRAM)

    triggered, acknowledged = _bodies(webhook)
    event = incident.timeline.get(kind="acknowledged")
    assert acknowledged["id"] == f"event-{event.pk}"
    assert acknowledged["type"] == "incident.acknowledged"
    assert acknowledged["created_at"] == acknowledged["event"]["at"]
    assert acknowledged["created_at"].endswith("Z")
    assert acknowledged["event"] == {
        "kind": "acknowledged",
        "message": "Bob Okafor acknowledged the incident and is working on it",
        "actor": {"id": member.pk, "email": "bob@example.com", "display_name": "Bob Okafor"},
        "actor_name": "Bob Okafor",
        "via": "telegram",
        "at": acknowledged["created_at"],
    }
    data = acknowledged["incident"]
    assert data["id"] == incident.pk
    assert data["reference"] == incident.reference
    assert data["title"] == "Checkout returns 502"
    assert (data["status"], data["status_label"]) == ("acknowledged", "Working")
    assert data["severity"] == {"key": "P1", "name": "Critical", "rank": 1}
    assert data["team"] == {"slug": "payments", "name": "Payments"}
    assert data["services"] == [{"slug": "checkout", "name": "Checkout"}]
    assert data["url"] == f"{BASE_URL}/incidents/{incident.pk}/"
    assert data["acknowledged_by"]["email"] == "bob@example.com"
    assert data["commander"]["email"] == "alice@example.com"
    assert data["drill"] is False
    assert (data["resolved_by"], data["resolution"]) == (None, "")
    # Each body shows the incident as it was at its event.
    assert triggered["incident"]["status"] == "triggered"
    assert triggered["incident"]["acknowledged_by"] is None
