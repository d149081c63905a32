"""Delivering webhooks to a real receiver on 127.0.0.1 that verifies every signature."""

from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from tests.support.clock import later
from tests.support.fakes.webhook_receiver import Answer
from tests.support.web import BASE_URL
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import acknowledge, declare, resolve
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.webhooks.models import DeliveryAttempt
from tocsin.webhooks.services import delete_webhook, rotate_secret, send_test, update_webhook

pytestmark = pytest.mark.django_db

WORKER = "test-worker"


def _webhook_messages() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(purpose=Purpose.WEBHOOK).order_by("id"))


def _log(message: OutboxMessage) -> list[DeliveryAttempt]:
    """The delivery log's record of each attempt at `message`."""
    return list(DeliveryAttempt.objects.filter(message=message).order_by("number"))


def test_an_incident_from_declaration_to_resolution_arrives_signed(
    hook, receiver, payments, policy, lead, member, p1, checkout
):
    webhook = hook("/ops")
    incident = declare(
        title="Checkout returns 502", severity=p1, team=payments, by=lead, services=[checkout]
    )
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    resolve(incident=incident, by=member, via=Channel.API, resolution="Rolled back the deploy")

    report = deliver_due(worker_id=WORKER)

    # The fourth is the resolution e-mail to the team's list.
    assert (report.claimed, report.sent, report.failed) == (4, 4, 0)
    deliveries = receiver.received("/ops")
    assert [d.type for d in deliveries] == [
        "incident.triggered",
        "incident.acknowledged",
        "incident.resolved",
    ]
    assert all(d.verified and d.status == 204 for d in deliveries)
    messages = _webhook_messages()
    for delivery, message in zip(deliveries, messages, strict=True):
        assert delivery.headers["Content-Type"] == "application/json"
        assert delivery.headers["User-Agent"] == "Tocsin-Webhooks"
        assert delivery.headers["X-Tocsin-Delivery"] == str(message.pk)
        assert abs(int(delivery.headers["X-Tocsin-Timestamp"]) - timezone.now().timestamp()) < 60
        assert delivery.json["type"] == delivery.type
        assert delivery.body == message.body_text.encode()
        message.refresh_from_db()
        assert (message.state, message.attempts) == (OutboxState.SENT, 1)
        assert message.provider_message_id == "HTTP 204"
        assert message.data["webhook"] == webhook.pk

    resolved = deliveries[-1].json
    assert resolved["incident"]["reference"] == incident.reference
    assert resolved["incident"]["status"] == "resolved"
    assert resolved["incident"]["resolution"] == "Rolled back the deploy"
    assert resolved["incident"]["resolved_by"]["email"] == "bob@example.com"
    assert resolved["incident"]["url"] == f"{BASE_URL}/incidents/{incident.pk}/"
    assert resolved["incident"]["services"] == [{"slug": "checkout", "name": "Checkout"}]
    assert resolved["event"]["kind"] == "resolved"
    assert resolved["event"]["via"] == "api"
    assert resolved["event"]["actor"]["display_name"] == "Bob Okafor"


def test_a_delivery_is_sent_once(hook, receiver, new_incident):
    hook("/ops")
    new_incident()
    deliver_due(worker_id=WORKER)

    report = deliver_due(worker_id=WORKER, now=later(60))

    assert report.claimed == 0
    assert len(receiver.received("/ops")) == 1


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    hook, receiver, new_incident, traveller
):
    hook("/flaky")
    new_incident()
    receiver.script["/flaky"] = [500, Answer(503, body="down for maintenance")]

    assert deliver_due(worker_id=WORKER).retried == 1
    [message] = _webhook_messages()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
    assert message.last_error == "HTTP 500 Internal Server Error"
    assert message.next_attempt_at == timezone.now() + timedelta(seconds=10)

    traveller.shift(timedelta(seconds=9))
    assert deliver_due(worker_id=WORKER).claimed == 0
    traveller.shift(timedelta(seconds=1))
    assert deliver_due(worker_id=WORKER).retried == 1
    message.refresh_from_db()
    assert message.last_error == "HTTP 503 Service Unavailable"
    assert message.next_attempt_at == timezone.now() + timedelta(seconds=20)

    traveller.shift(timedelta(seconds=20))
    assert deliver_due(worker_id=WORKER).sent == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (OutboxState.SENT, 3, "")

    log = _log(message)
    assert [(a.number, a.status, a.response) for a in log] == [
        (1, 500, ""),
        (2, 503, "down for maintenance"),
        (3, 204, ""),
    ]
    assert {(a.url, a.address, a.error) for a in log} == {(receiver.url("/flaky"), "127.0.0.1", "")}
    deliveries = receiver.received("/flaky")
    assert [d.status for d in deliveries] == [500, 503, 204]
    assert all(d.verified for d in deliveries)
    assert {d.headers["X-Tocsin-Delivery"] for d in deliveries} == {str(message.pk)}
    assert len({d.body for d in deliveries}) == 1


def test_too_many_requests_waits_as_long_as_the_receiver_asks(
    hook, receiver, new_incident, traveller
):
    hook("/busy")
    new_incident()
    receiver.script["/busy"] = [Answer(429, headers={"Retry-After": "120"})]

    assert deliver_due(worker_id=WORKER).retried == 1

    [message] = _webhook_messages()
    assert message.next_attempt_at == timezone.now() + timedelta(seconds=120)
    assert message.last_error == "HTTP 429 Too Many Requests"


@pytest.mark.parametrize(("status", "reason"), [(410, "Gone"), (400, "Bad Request")])
def test_a_refused_delivery_fails_and_says_so_on_the_timeline(
    hook, receiver, new_incident, status, reason
):
    hook("/gone")
    incident = new_incident()
    receiver.script["/gone"] = [Answer(status, body='{"error": "no such hook"}')]

    report = deliver_due(worker_id=WORKER)

    assert (report.failed, report.retried) == (1, 0)
    [message] = _webhook_messages()
    assert message.state == OutboxState.FAILED
    assert message.last_error == f"HTTP {status} {reason}"
    [attempt] = _log(message)
    assert (attempt.status, attempt.response) == (status, '{"error": "no such hook"}')
    failure = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failure.message == f"Webhook event via webhook “gone” failed: HTTP {status} {reason}"
    assert failure.data["outbox_message"] == message.pk
    # The failure is a timeline event, and it does not become a webhook delivery of its own.
    assert len(_webhook_messages()) == 1
    assert deliver_due(worker_id=WORKER, now=later(60)).claimed == 0


def test_a_redirect_is_not_followed(hook, receiver, new_incident):
    hook("/moved")
    new_incident()
    receiver.secrets["/new-home"] = receiver.secrets["/moved"]
    receiver.script["/moved"] = [Answer(308, headers={"Location": receiver.url("/new-home")})]

    assert deliver_due(worker_id=WORKER).failed == 1

    [message] = _webhook_messages()
    assert message.last_error == (
        "HTTP 308 Permanent Redirect: Tocsin does not follow redirects; "
        "put the final URL in the webhook"
    )
    [attempt] = _log(message)
    assert (attempt.status, attempt.error) == (308, f"a redirect to {receiver.url('/new-home')}")
    assert receiver.received("/new-home") == []


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
    hook, receiver, new_incident, settings
):
    settings.WEBHOOK_TIMEOUT = "0.3"
    hook("/slow")
    new_incident()
    receiver.script["/slow"] = [Answer(204, stall=True)]  # it never answers in time

    assert deliver_due(worker_id=WORKER).retried == 1

    [message] = _webhook_messages()
    assert message.state == OutboxState.PENDING
    assert message.last_error == "no answer within 0.3 s"
    [attempt] = _log(message)
    assert (attempt.status, attempt.error) == (None, "no answer within 0.3 s")


def test_a_receiver_that_is_down_is_tried_again(hook, receiver, new_incident):
    hook("/down")
    new_incident()
    receiver.stop()

    assert deliver_due(worker_id=WORKER).retried == 1

    [message] = _webhook_messages()
    assert message.state == OutboxState.PENDING
    assert message.last_error == "could not connect to the receiver"
    [attempt] = _log(message)
    assert "Connection refused" in attempt.error


def test_a_webhook_disabled_meanwhile_gets_nothing_more(hook, receiver, new_incident, admin):
    webhook = hook("/ops")
    new_incident()
    update_webhook(webhook=webhook, by=admin, enabled=False)

    assert deliver_due(worker_id=WORKER).failed == 1

    [message] = _webhook_messages()
    assert (message.state, message.last_error) == (OutboxState.FAILED, "webhook disabled")
    assert receiver.received() == []


def test_a_deleted_webhook_gets_nothing_more(hook, receiver, new_incident, admin):
    webhook = hook("/ops")
    new_incident()
    delete_webhook(webhook=webhook, by=admin)

    assert deliver_due(worker_id=WORKER).failed == 1

    [message] = _webhook_messages()
    assert (message.state, message.last_error) == (OutboxState.FAILED, "webhook deleted")
    assert receiver.received() == []


def test_a_wrong_signature_is_refused_by_the_receiver(hook, receiver, new_incident):
    hook("/ops")
    new_incident()
    receiver.secrets["/ops"] = "not-the-secret"

    assert deliver_due(worker_id=WORKER).failed == 1

    [delivery] = receiver.received("/ops")
    assert (delivery.verified, delivery.status) == (False, 401)
    [message] = _webhook_messages()
    assert message.last_error == "HTTP 401 Unauthorized"
    assert _log(message)[0].response == "bad signature"


def test_a_retry_after_rotating_the_secret_is_signed_with_the_new_one(
    hook, receiver, new_incident, admin, traveller
):
    webhook = hook("/ops")
    new_incident()
    receiver.script["/ops"] = [503]
    deliver_due(worker_id=WORKER)
    old_secret = webhook.secret

    webhook = rotate_secret(webhook=webhook, by=admin)
    receiver.secrets["/ops"] = webhook.secret
    traveller.shift(timedelta(seconds=10))

    assert deliver_due(worker_id=WORKER).sent == 1
    assert webhook.secret != old_secret
    assert [d.verified for d in receiver.received("/ops")] == [True, True]


def test_a_test_delivery_is_a_signed_ping_even_while_disabled(hook, receiver, admin, db):
    webhook = hook("/ops")
    update_webhook(webhook=webhook, by=admin, enabled=False)

    message = send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).sent == 1

    [delivery] = receiver.received("/ops")
    assert delivery.verified
    assert delivery.type == "ping"
    assert delivery.headers["X-Tocsin-Delivery"] == str(message.pk)
    body = delivery.json
    assert body["type"] == "ping"
    assert body["id"].startswith("ping-")
    assert body["webhook"] == {"id": webhook.pk, "name": "ops"}
    assert "incident" not in body
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert message.incident is None


def test_a_retry_after_date_is_honoured_too(hook, receiver, new_incident, traveller):
    hook("/busy")
    new_incident()
    when = timezone.now() + timedelta(seconds=90)
    receiver.script["/busy"] = [Answer(503, headers={"Retry-After": format_datetime(when, True)})]

    assert deliver_due(worker_id=WORKER).retried == 1

    [message] = _webhook_messages()
    wait = message.next_attempt_at - timezone.now()
    assert timedelta(seconds=89) <= wait <= timedelta(seconds=90)


@pytest.mark.parametrize("header", ["²", "٣", "soon", ""])
def test_a_retry_after_that_is_not_seconds_or_a_date_is_ignored(header):
    from tocsin.webhooks.sender import retry_after

    assert retry_after(header) is None
