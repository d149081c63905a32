# Before this release a failed webhook delivery wrote the webhook's URL (with any password or
# API key in it) and the start of the receiver's answer on the incident's timeline, which
# every viewer reads. This rewrites those lines to name the webhook only, and takes the URL
# out of the webhook outbox rows whose address the timeline copied. Timeline events are
# otherwise never changed: this is the one exception, for secrets that should never have
# been written there. The old reason stays in the delivery log (the outbox message's
# last_error), which only those who manage the webhook see, with the URL masked.

from django.db import migrations

from tocsin.webhooks.masking import masked_url

FAILED = "Webhook event via {method} failed (the reason is in the webhook's delivery log)"


def redact(apps, schema_editor):
    OutboxMessage = apps.get_model("notify", "OutboxMessage")
    TimelineEvent = apps.get_model("incidents", "TimelineEvent")
    Webhook = apps.get_model("webhooks", "Webhook")
    webhooks = {webhook.pk: webhook for webhook in Webhook.objects.all()}
    redacted = {}  # outbox message id -> (method, address)
    for message in OutboxMessage.objects.filter(channel="webhook").iterator():
        data = dict(message.data or {})
        webhook = webhooks.get(data.get("webhook"))
        data["method"] = f"webhook “{webhook.name}”" if webhook else "a webhook"
        address = f"webhook {data.get('webhook')}"
        redacted[message.pk] = (data["method"], address)
        last_error = message.last_error
        for url in {message.address, webhook.url if webhook else ""} - {""}:
            last_error = last_error.replace(url, masked_url(url))
        OutboxMessage.objects.filter(pk=message.pk).update(
            address=address, data=data, last_error=last_error
        )
    failures = TimelineEvent.objects.filter(kind="page_failed", data__purpose="webhook")
    for event in failures.iterator():
        data = dict(event.data or {})
        method, data["address"] = redacted.get(data.get("outbox_message"), ("a webhook", ""))
        TimelineEvent.objects.filter(pk=event.pk).update(
            message=FAILED.format(method=method), data=data
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_engine_event_kinds"),
        ("notify", "0004_chat_link_codes"),
        ("webhooks", "0002_deliveryattempt"),
    ]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
