"""The Webhooks pages: a lead adds one, sees its secret and its delivery log, sends a test."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.webhooks.models import Webhook

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_lead_adds_a_webhook_and_sees_its_secret(lead, payments, receiver):
    client = _signed_in(lead)

    response = client.post(
        "/webhooks/",
        {
            "team": payments.pk,
            "name": "Status bot",
            "url": receiver.url("/ops"),
            "events": ["incident.triggered", "incident.resolved"],
            "enabled": "on",
        },
    )

    webhook = Webhook.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/webhooks/{webhook.pk}/"
    assert (webhook.team, webhook.events) == (payments, ["incident.triggered", "incident.resolved"])
    page = client.get(response["Location"]).content.decode()
    assert webhook.secret in page
    assert "Nothing sent yet" in page


def test_bad_input_is_shown_on_the_form_and_nothing_is_added(lead, payments):
    response = _signed_in(lead).post(
        "/webhooks/",
        {"team": payments.pk, "name": "Bot", "url": "https://example.com", "events": ["ping"]},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Select a valid choice. ping is not one of the available choices." in page

    response = _signed_in(lead).post(
        "/webhooks/",
        {
            "team": payments.pk,
            "name": "Bot",
            "url": "ftp://example.com",
            "events": ["incident.resolved"],
        },
    )
    assert response.status_code == 422
    assert "must start with https:// or http://, not ftp://" in response.content.decode()
    assert not Webhook.objects.exists()


def test_a_member_sees_no_form_and_cannot_open_a_teams_webhook(hook, member, payments, lead):
    webhook = hook("/ops", team=payments, by=lead)
    client = _signed_in(member)

    page = client.get("/webhooks/").content.decode()
    assert "Add a webhook" not in page
    assert f"/webhooks/{webhook.pk}/" not in page

    response = client.get(f"/webhooks/{webhook.pk}/")
    assert response.status_code == 302
    assert webhook.secret not in client.get(response["Location"]).content.decode()


def test_the_delivery_log_shows_a_test_that_was_sent(hook, lead, payments, receiver):
    webhook = hook("/ops", team=payments, by=lead)
    client = _signed_in(lead)

    assert client.post(f"/webhooks/{webhook.pk}/test/").status_code == 302
    deliver_due(worker_id="test-worker")

    [message] = OutboxMessage.objects.filter(purpose=Purpose.WEBHOOK)
    page = client.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert f'id="delivery-{message.pk}"' in page
    assert "HTTP 204" in page
    assert [d.type for d in receiver.received("/ops")] == ["ping"]


def test_deleting_needs_the_box_ticked(hook, lead, payments):
    webhook = hook("/ops", team=payments, by=lead)
    client = _signed_in(lead)

    client.post(f"/webhooks/{webhook.pk}/delete/")
    assert Webhook.objects.filter(pk=webhook.pk).exists()

    client.post(f"/webhooks/{webhook.pk}/delete/", {"confirm": "on"})
    assert not Webhook.objects.filter(pk=webhook.pk).exists()


def test_the_page_says_when_deliveries_are_paused_by_the_circuit(hook, lead, payments):
    webhook = hook("/ops", team=payments, by=lead)
    client = _signed_in(lead)
    assert 'id="circuit"' not in client.get(f"/webhooks/{webhook.pk}/").content.decode()

    webhook.failures_in_a_row = 3
    webhook.circuit_open_until = timezone.now() + timedelta(seconds=30)
    webhook.save()

    page = client.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert "3 deliveries in a row failed" in page
    assert f'datetime="{webhook.circuit_open_until:%Y-%m-%dT%H:%M:%S}' in page
