"""Driving the outbox the way a worker does: queue a plain e-mail, run one delivery round."""

from django.db import transaction

from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.outbox.models import OutboxMessage
from tocsin.notify.outbox.services import enqueue

WORKER = "test-worker"


def deliver():
    """One round of the delivery loop, as the worker WORKER."""
    return deliver_due(worker_id=WORKER)


def queued_email(key: str, address: str) -> OutboxMessage:
    """An e-mail to `address` in the outbox, about no incident, due now."""
    with transaction.atomic():
        return enqueue(
            idempotency_key=key,
            channel="email",
            address=address,
            subject=f"message {key}",
            body_text=f"body of {key}",
            purpose="team_notification",
        )
