"""Upgrading takes the secrets out of the failures written before they were kept off the
timeline (tocsin/webhooks/migrations/0003_redact_failed_deliveries.py)."""

import importlib
import json

import pytest
from django.apps import apps

from tocsin.incidents.models import Event, TimelineEvent
from tocsin.notify.models import OutboxChannel, OutboxMessage, OutboxState, Purpose
from tocsin.webhooks.services import create_webhook

pytestmark = pytest.mark.django_db

redaction = importlib.import_module("tocsin.webhooks.migrations.0003_redact_failed_deliveries")

URL = "https://ops:hunter2@hooks.example.com/tocsin?api_key=k3y"


def test_an_old_failure_names_only_the_webhook_after_the_upgrade(incident, lead, payments):
    webhook = create_webhook(team=payments, name="Ops bridge", url=URL, by=lead)
    reason = f"{URL} answered 410 Gone: SECRET-ANSWER"
    # As the previous release wrote them.
    message = OutboxMessage.objects.create(
        idempotency_key="webhook:old",
        channel=OutboxChannel.WEBHOOK,
        purpose=Purpose.WEBHOOK,
        address=URL,
        body_text="{}",
        incident=incident,
        state=OutboxState.FAILED,
        last_error=reason,
        data={
            "webhook": webhook.pk,
            "type": "incident.triggered",
            "method": f"webhook Ops ({URL})",
        },
    )
    TimelineEvent.objects.create(
        incident=incident,
        kind=Event.PAGE_FAILED,
        message=f"Webhook event via webhook Ops bridge ({URL}) failed: {reason}",
        data={"outbox_message": message.pk, "purpose": "webhook", "address": URL},
    )
    page = TimelineEvent.objects.create(
        incident=incident,
        kind=Event.PAGE_FAILED,
        message="Page to Bob Okafor via e-mail (bob@example.com) failed: …",
        data={"purpose": "page", "address": "bob@example.com"},
    )

    redaction.redact(apps, None)

    failure = incident.timeline.get(kind=Event.PAGE_FAILED, data__purpose="webhook")
    assert failure.message == (
        "Webhook event via webhook “Ops bridge” failed "
        "(the reason is in the webhook's delivery log)"
    )
    assert failure.data == {
        "outbox_message": message.pk,
        "purpose": "webhook",
        "address": f"webhook {webhook.pk}",
    }
    message.refresh_from_db()
    assert message.address == f"webhook {webhook.pk}"
    assert "hunter2" not in json.dumps(message.data)
    masked = "https://***:***@hooks.example.com/tocsin?api_key=***"
    assert message.last_error == f"{masked} answered 410 Gone: SECRET-ANSWER"
    # Not a webhook's: left for the people who work on pages.
    assert TimelineEvent.objects.get(pk=page.pk).message == page.message
