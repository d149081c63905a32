"""A webhook's circuit: a receiver that keeps failing is left alone for a while.

After CLOSED_UNTIL_FAILURES deliveries in a row that got no good answer (no answer within the
timeout, no connection, a 5xx, 429 …), the circuit opens for OPEN_FIRST; each failure of the
one delivery tried when it ends doubles that, up to OPEN_MAX. While it is open, the webhook's
deliveries wait for it to end, without a request and without counting an attempt. A delivery
that the receiver accepts closes it, and so does a test (ping), which is sent even while it is
open: fixing the receiver and sending a test is how to be heard again at once.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Webhook

CLOSED_UNTIL_FAILURES = 3
OPEN_FIRST = timedelta(seconds=30)
OPEN_MAX = timedelta(minutes=10)


def open_for(failures: int) -> timedelta | None:
    """How long the circuit opens after `failures` in a row; None while it stays closed."""
    if failures < CLOSED_UNTIL_FAILURES:
        return None
    return min(OPEN_FIRST * 2 ** (failures - CLOSED_UNTIL_FAILURES), OPEN_MAX)


def is_open(webhook: Webhook) -> bool:
    return webhook.circuit_open


def failed(webhook: Webhook) -> None:
    """One more delivery without a good answer; opens the circuit at the threshold."""
    with transaction.atomic():
        row = Webhook.objects.select_for_update(of=("self",)).filter(pk=webhook.pk).first()
        if row is None:
            return
        row.failures_in_a_row += 1
        wait = open_for(row.failures_in_a_row)
        row.circuit_open_until = None if wait is None else timezone.now() + wait
        row.save(update_fields=["failures_in_a_row", "circuit_open_until"])
    webhook.failures_in_a_row, webhook.circuit_open_until = (
        row.failures_in_a_row,
        row.circuit_open_until,
    )


def succeeded(webhook: Webhook) -> None:
    """The receiver accepted a delivery: the circuit closes (one write only if it was not)."""
    Webhook.objects.filter(
        Q(failures_in_a_row__gt=0) | Q(circuit_open_until__isnull=False), pk=webhook.pk
    ).update(failures_in_a_row=0, circuit_open_until=None)
    webhook.failures_in_a_row, webhook.circuit_open_until = 0, None
