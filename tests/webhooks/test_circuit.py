"""A webhook's circuit, against a real receiver on 127.0.0.1: a receiver that keeps failing is
left alone for a while, without a request, and heard again once it answers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.fakes.webhook_receiver import Answer
from tocsin.notify.delivery.lanes import Lane
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.webhooks import circuit, sender
from tocsin.webhooks.models import DeliveryAttempt
from tocsin.webhooks.services import send_test

pytestmark = pytest.mark.django_db

WORKER = "test-worker"


def deliver_webhooks():
    return deliver_due(worker_id=WORKER, lane=Lane.WEBHOOKS)


def deliveries() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(purpose=Purpose.WEBHOOK).order_by("id"))


def test_a_receiver_that_never_answers_opens_the_circuit_and_the_rest_wait_without_a_request(
    hook, receiver, new_incident, settings, traveller
):
    settings.WEBHOOK_TIMEOUT = "0.3"
    webhook = hook("/hole")
    for n in range(4):
        new_incident(title=f"Checkout returns 502 ({n})")
    receiver.script["/hole"] = [Answer(204, stall=True)] * 3

    report = deliver_webhooks()

    assert (report.claimed, report.retried, report.deferred) == (4, 3, 1)
    assert len(receiver.received("/hole")) == 3, "the fourth was not sent"
    webhook.refresh_from_db()
    assert webhook.failures_in_a_row == 3
    assert webhook.circuit_open_until == timezone.now() + timedelta(seconds=30)
    first, *_, fourth = deliveries()
    assert first.last_error == "no answer within 0.3 s"
    assert fourth.state == OutboxState.PENDING
    assert fourth.attempts == 0, "waiting for the circuit is not a failed attempt"
    assert fourth.next_attempt_at >= webhook.circuit_open_until
    assert fourth.last_error.startswith("not sent: 3 deliveries in a row failed; the next try")
    assert not DeliveryAttempt.objects.filter(message=fourth).exists()

    # The circuit ends; the receiver answers again (204): every delivery goes, and it closes.
    traveller.shift(timedelta(seconds=41))
    assert deliver_webhooks().sent == 4
    webhook.refresh_from_db()
    assert (webhook.failures_in_a_row, webhook.circuit_open_until) == (0, None)
    assert {m.state for m in deliveries()} == {OutboxState.SENT}


def test_each_failure_when_the_circuit_ends_doubles_how_long_it_stays_open(
    hook, receiver, new_incident, traveller
):
    webhook = hook("/down")
    receiver.script["/down"] = [503] * 5
    for n in range(3):
        new_incident(title=f"Checkout returns 502 ({n})")
    deliver_webhooks()
    webhook.refresh_from_db()
    assert webhook.circuit_open_until == timezone.now() + timedelta(seconds=30)

    new_incident(title="Payments queue is stuck")  # due now, due again in 30 s
    traveller.shift(timedelta(seconds=30))
    deliver_webhooks()
    webhook.refresh_from_db()
    assert webhook.failures_in_a_row == 4
    assert webhook.circuit_open_until == timezone.now() + timedelta(seconds=60)
    assert [circuit.open_for(n) for n in (2, 3, 4, 5, 9, 20)] == [
        None,
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(minutes=10),
        timedelta(minutes=10),
    ]


def test_a_test_ping_is_sent_through_an_open_circuit_and_closes_it(hook, receiver, admin):
    webhook = hook("/fixed")
    webhook.failures_in_a_row = 5
    webhook.circuit_open_until = timezone.now() + timedelta(minutes=2)
    webhook.save()
    send_test(webhook=webhook, by=admin)

    assert deliver_webhooks().sent == 1

    assert [d.type for d in receiver.received("/fixed")] == ["ping"]
    webhook.refresh_from_db()
    assert (webhook.failures_in_a_row, webhook.circuit_open_until) == (0, None)


def test_a_refusal_neither_opens_nor_closes_the_circuit(hook, receiver, new_incident):
    webhook = hook("/gone")
    webhook.failures_in_a_row = 2
    webhook.save()
    receiver.script["/gone"] = [410]
    new_incident()

    assert deliver_webhooks().failed == 1
    webhook.refresh_from_db()
    assert (webhook.failures_in_a_row, webhook.circuit_open_until) == (2, None)


def test_one_delivery_attempt_takes_five_seconds_at_most_unless_set_otherwise(settings):
    del settings.WEBHOOK_TIMEOUT
    assert sender.timeout() == 5
