"""A mail server that took a page but did not confirm it: the outcome is unknown, not a failure.

Such a page is tried once more after a long pause with the same Message-ID, and then left alone:
never a page every few seconds, never the next contact method as if it had failed. One SMTP send
ends by a deadline shorter than the lease, and a worker that lost its claim marks nothing.
"""

import hashlib
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from tests.support.oncall import paged_addresses
from tests.support.outbox import WORKER
from tests.support.slow_smtp import SlowSmtp
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Event
from tocsin.incidents.services import declare
from tocsin.notify.channels import email as email_channel
from tocsin.notify.delivery import loop as delivery
from tocsin.notify.delivery.claims import LEASE
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.delivery.outcomes import UNCONFIRMED_PAUSE
from tocsin.notify.delivery.signals import delivery_sent
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations

TIMEOUT = 0.3  # TOCSIN_SMTP_TIMEOUT for these tests: one read gives up after this
DEADLINE = timedelta(seconds=1)  # and one whole send after this


@pytest.fixture
def slow_smtp(settings, monkeypatch):
    """The misbehaving server of tests/support/slow_smtp.py, with Tocsin's e-mail sent to it."""
    server = SlowSmtp(mode="late").start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Tocsin <tocsin@example.org>"
    settings.EMAIL_TIMEOUT = TIMEOUT
    monkeypatch.setattr(email_channel, "SEND_DEADLINE", DEADLINE)
    yield server
    server.stop()


@pytest.fixture
def bob_paged(clock, payments, p1, lead, member, policy):
    """Bob is on call and has a second e-mail address; level 1 has paged his first."""
    ContactMethod.objects.create(
        user=member, kind=ContactKind.EMAIL, address="bob.phone@example.com", verified=True
    )
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run_due_escalations()
    assert paged_addresses() == ["bob@example.com"]
    return incident


def lines(incident, kind=Event.ESCALATION) -> list[str]:
    return list(
        incident.timeline.filter(kind=kind, data__page_unconfirmed__isnull=False)
        .order_by("at", "id")
        .values_list("message", flat=True)
    )


def the_page() -> OutboxMessage:
    return OutboxMessage.objects.get(purpose=Purpose.PAGE)


def at(instant) -> str:
    return instant.astimezone(UTC).strftime("%H:%M")


def test_a_page_taken_but_confirmed_late_is_tried_once_more_after_a_pause_and_then_left_alone(
    slow_smtp, bob_paged, clock, failures
):
    incident = bob_paged

    report = deliver_due(worker_id=WORKER)

    assert (report.sent, report.failed, report.unconfirmed) == (0, 0, 1)
    page = the_page()
    assert page.state == OutboxState.PENDING
    assert page.next_attempt_at == timezone.now() + UNCONFIRMED_PAUSE
    assert page.data["unconfirmed"] == 1
    assert len(slow_smtp.messages) == 1
    retry_at = at(timezone.now() + UNCONFIRMED_PAUSE)
    assert lines(incident) == [
        "Page to Bob Okafor via e-mail: the mail server took the message but did not confirm "
        f"it (no answer in {TIMEOUT:g} s); trying once more at {retry_at} UTC with the same "
        "Message-ID"
    ]

    # Not every few seconds: only after the long pause.
    clock.shift(UNCONFIRMED_PAUSE - timedelta(seconds=1))
    assert deliver_due(worker_id=WORKER).claimed == 0
    clock.shift(timedelta(seconds=1))
    report = deliver_due(worker_id=WORKER)

    assert (report.sent, report.failed, report.retried, report.unconfirmed) == (0, 0, 0, 1)
    first, second = slow_smtp.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"] == email_channel.message_id(page.idempotency_key)
    page = the_page()
    assert page.state == OutboxState.SENT  # handed over, as far as anyone can tell
    assert page.data["unconfirmed"] == 2
    assert page.provider_message_id == first["Message-ID"]
    assert "not confirmed" in page.last_error
    assert lines(incident)[1] == (
        "Page to Bob Okafor via e-mail: the mail server took the message but did not confirm "
        f"it again (no answer in {TIMEOUT:g} s); not retried, to avoid a duplicate"
    )

    # Never again, and nobody treats it as a failed page: Bob's next address is not paged.
    clock.shift(timedelta(hours=1))
    assert deliver_due(worker_id=WORKER).claimed == 0
    assert len(slow_smtp.messages) == 2
    assert failures == []
    assert paged_addresses() == ["bob@example.com"]
    assert not incident.timeline.filter(kind=Event.PAGE_FAILED).exists()
    assert not incident.timeline.filter(kind=Event.PAGE_DELIVERED).exists()
    assert "bob@example.com" not in " ".join(incident.timeline.values_list("message", flat=True))


def test_a_page_confirmed_on_the_second_try_is_delivered_with_the_same_message_id(
    slow_smtp, bob_paged, clock
):
    deliver_due(worker_id=WORKER)
    slow_smtp.mode = "answer"
    clock.shift(UNCONFIRMED_PAUSE)

    assert deliver_due(worker_id=WORKER).sent == 1

    first, second = slow_smtp.messages
    assert first["Message-ID"] == second["Message-ID"]
    page = the_page()
    assert (page.state, page.last_error) == (OutboxState.SENT, "")
    assert bob_paged.timeline.filter(kind=Event.PAGE_DELIVERED).count() == 1
    assert paged_addresses() == ["bob@example.com"]


def test_a_server_that_hangs_up_after_taking_the_message_leaves_the_outcome_unknown(
    slow_smtp, bob_paged
):
    slow_smtp.mode = "hang_up"

    assert deliver_due(worker_id=WORKER).unconfirmed == 1

    page = the_page()
    assert page.data["unconfirmed"] == 1
    assert "closed the connection" in lines(bob_paged)[0]


def test_a_server_trickling_continuation_lines_is_cut_off_at_the_send_deadline(
    slow_smtp, bob_paged
):
    slow_smtp.mode = "trickle"  # "250-" every 50 ms: no single read ever times out

    report = deliver_due(worker_id=WORKER)

    # The send ended instead of holding the worker; the server had the message, so the outcome
    # is unknown rather than failed.
    assert report.unconfirmed == 1
    page = the_page()
    assert (page.state, page.data["unconfirmed"]) == (OutboxState.PENDING, 1)
    assert f"no answer within {DEADLINE.total_seconds():g} s" in page.last_error
    assert len(slow_smtp.messages) == 1


def test_one_smtp_send_ends_well_inside_the_lease():
    assert timedelta(seconds=45) == email_channel.SEND_DEADLINE
    assert email_channel.SEND_DEADLINE < LEASE


def test_a_4xx_reply_to_the_message_is_an_ordinary_retry(slow_smtp, bob_paged, failures):
    slow_smtp.mode = "refuse"

    report = deliver_due(worker_id=WORKER)

    assert (report.retried, report.unconfirmed) == (1, 0)
    page = the_page()
    assert page.next_attempt_at == timezone.now() + delivery.backoff(1)
    assert "451 4.3.0 Try again later" in page.last_error
    assert "unconfirmed" not in page.data
    assert lines(bob_paged) == []


def test_a_timeout_before_the_message_was_handed_over_is_an_ordinary_retry(slow_smtp, bob_paged):
    slow_smtp.mode = "silent_rcpt"

    report = deliver_due(worker_id=WORKER)

    assert (report.retried, report.unconfirmed) == (1, 0)
    page = the_page()
    assert page.next_attempt_at == timezone.now() + delivery.backoff(1)
    assert "did not answer in time" in page.last_error
    assert "unconfirmed" not in page.data
    assert slow_smtp.messages == []


def test_a_worker_whose_claim_was_taken_over_mid_send_does_not_mark_it_sent(
    smtp, incident, member, page, monkeypatch
):
    message = page(incident, member)
    real_send = email_channel.Sender.send

    def send_slowly(self, outgoing):
        sent = real_send(self, outgoing)
        # Meanwhile the lease ran out and another worker claimed the message.
        OutboxMessage.objects.filter(pk=outgoing.pk).update(
            claimed_by="other-worker", claimed_at=timezone.now() + LEASE
        )
        return sent

    monkeypatch.setattr(email_channel.Sender, "send", send_slowly)
    announced = []

    def receiver(sender, message, **kwargs):
        announced.append(message.pk)

    delivery_sent.connect(receiver)
    try:
        report = deliver_due(worker_id=WORKER)
    finally:
        delivery_sent.disconnect(receiver)

    assert (report.sent, report.lost) == (0, 1)
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert (message.state, message.claimed_by) == (OutboxState.SENDING, "other-worker")
    assert message.sent_at is None
    assert announced == []
    assert not incident.timeline.filter(kind=Event.PAGE_DELIVERED).exists()


def test_an_unconfirmed_last_attempt_is_left_alone_at_once(slow_smtp, bob_paged, failures):
    OutboxMessage.objects.filter(purpose=Purpose.PAGE).update(attempts=delivery.MAX_ATTEMPTS - 1)

    assert deliver_due(worker_id=WORKER).unconfirmed == 1

    page = the_page()
    assert (page.state, page.attempts) == (OutboxState.SENT, delivery.MAX_ATTEMPTS)
    assert lines(bob_paged)[0].endswith("; not retried, to avoid a duplicate")
    assert failures == []
    assert paged_addresses() == ["bob@example.com"]


def test_the_message_id_is_the_keys_digest_at_the_senders_domain(settings):
    settings.DEFAULT_FROM_EMAIL = "Tocsin <tocsin@example.com>"
    key = "page:4:1:0:1:2:default-3"

    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    assert email_channel.message_id(key) == f"<{digest}.tocsin@example.com>"
