"""The delivery loop, through a real SMTP server: claimed, sent once, retried with backoff, given
up on, re-claimed after a worker dies, and never holding up the rest of a batch."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tests.support.outbox import WORKER, queued_email
from tocsin.incidents.models import Event
from tocsin.notify.channels import email as email_channel
from tocsin.notify.delivery import loop as delivery
from tocsin.notify.delivery.claims import CLAIM_LEASE, LEASE, claim_due
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.delivery.signals import delivery_sent
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.notify.outbox.services import enqueue
from tocsin.worker import periodic_jobs


def test_nothing_is_sent_twice_once_it_was_sent(smtp, incident, member, page):
    page(incident, member)
    deliver_due(worker_id=WORKER)
    report = deliver_due(worker_id=WORKER, now=timezone.now() + timedelta(hours=1))
    assert report.claimed == 0
    assert len(smtp.messages) == 1


def test_a_message_waits_until_its_time(smtp, db, traveller):
    message = queued_email("later", "list@example.com")
    message.next_attempt_at = timezone.now() + timedelta(minutes=5)
    message.save()

    assert deliver_due(worker_id=WORKER).claimed == 0
    traveller.shift(timedelta(minutes=5))
    assert deliver_due(worker_id=WORKER).sent == 1
    assert len(smtp.messages) == 1


def test_smtp_down_is_retried_with_backoff_and_delivered_when_it_is_back(smtp, db, traveller):
    first = queued_email("one", "one@example.com")
    second = queued_email("two", "two@example.com")
    smtp.stop()

    report = deliver_due(worker_id=WORKER)

    assert (report.retried, report.deferred, report.sent) == (1, 1, 0)
    first.refresh_from_db()
    assert first.state == OutboxState.PENDING
    assert first.attempts == 1
    assert "cannot reach the mail server 127.0.0.1" in first.last_error
    assert first.next_attempt_at == timezone.now() + timedelta(seconds=10)
    # The second was not even tried: the server was known to be down. It waits as long.
    second.refresh_from_db()
    assert second.state == OutboxState.PENDING
    assert second.attempts == 0
    assert second.last_error.startswith("not tried: cannot reach the mail server")
    assert second.next_attempt_at == first.next_attempt_at

    # Still down after the first backoff: the wait doubles.
    traveller.shift(timedelta(seconds=10))
    assert deliver_due(worker_id=WORKER).retried == 1
    first.refresh_from_db()
    assert first.attempts == 2
    assert first.next_attempt_at == timezone.now() + timedelta(seconds=20)

    smtp.start()
    traveller.shift(timedelta(seconds=19))
    assert deliver_due(worker_id=WORKER).claimed == 0  # not yet
    traveller.shift(timedelta(seconds=1))
    report = deliver_due(worker_id=WORKER)

    assert report.sent == 2
    assert sorted(m["To"] for m in smtp.messages) == ["one@example.com", "two@example.com"]
    first.refresh_from_db()
    assert (first.state, first.attempts, first.last_error) == (OutboxState.SENT, 3, "")


def test_transient_failures_give_up_after_the_last_attempt(smtp, incident, member, page, failures):
    smtp.refuse["bob@example.com"] = "452 4.2.2 Mailbox full"
    message = page(incident, member)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(delivery.MAX_ATTEMPTS):
            deliver_due(worker_id=WORKER)
            traveller.shift(delivery.BACKOFF_MAX)

    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
    assert message.attempts == delivery.MAX_ATTEMPTS
    assert message.last_error.startswith(f"gave up after {delivery.MAX_ATTEMPTS} attempts")
    assert "452 4.2.2 Mailbox full" in message.last_error
    assert len(failures) == 1
    assert incident.timeline.filter(kind=Event.PAGE_FAILED).count() == 1


def test_backoff_doubles_up_to_a_ceiling():
    assert [delivery.backoff(n).total_seconds() for n in range(1, 9)] == [
        10,
        20,
        40,
        80,
        160,
        320,
        600,
        600,
    ]


def test_one_failing_message_does_not_stop_the_others(smtp, db, monkeypatch):
    smtp.refuse["gone@example.com"] = "550 5.1.1 no such user"
    queued_email("a", "a@example.com")
    queued_email("gone", "gone@example.com")
    queued_email("broken", "broken@example.com")
    queued_email("b", "b@example.com")
    real_send = email_channel.Sender.send

    def send(self, message):
        if message.address == "broken@example.com":
            raise RuntimeError("a bug in a channel")
        return real_send(self, message)

    monkeypatch.setattr(email_channel.Sender, "send", send)

    report = deliver_due(worker_id=WORKER)

    assert (report.sent, report.failed, report.retried) == (2, 1, 1)
    assert sorted(m["To"] for m in smtp.messages) == ["a@example.com", "b@example.com"]
    broken = OutboxMessage.objects.get(idempotency_key="broken")
    assert broken.state == OutboxState.PENDING
    assert broken.last_error == "unexpected RuntimeError: a bug in a channel"


def test_a_message_claimed_but_never_tried_is_claimed_again_after_the_short_lease(
    smtp, db, traveller
):
    message = queued_email("orphan", "orphan@example.com")
    # A worker claims it and dies before sending anything: 20 s, not the minute of a send.
    [claimed] = claim_due(now=timezone.now(), limit=10, worker_id="dead-worker")
    assert claimed.state == OutboxState.SENDING
    assert CLAIM_LEASE == timedelta(seconds=20) < LEASE

    traveller.shift(CLAIM_LEASE - timedelta(seconds=1))
    assert deliver_due(worker_id=WORKER).claimed == 0  # the lease still holds
    traveller.shift(timedelta(seconds=1))
    report = deliver_due(worker_id=WORKER)

    assert report.sent == 1
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert (message.state, message.claimed_by, message.attempts) == (
        OutboxState.SENT,
        WORKER,
        1,
    )


class Killed(BaseException):
    """The worker process dying: nothing after this point runs."""


def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
    smtp, db, traveller, monkeypatch
):
    message = queued_email("crash", "crash@example.com")

    def die(*args, **kwargs):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(delivery, "mark_sent", die)  # as loop.py calls it
        with pytest.raises(Killed):
            deliver_due(worker_id="doomed-worker")

    message.refresh_from_db()
    assert message.state == OutboxState.SENDING  # the row never learned that it was sent
    assert len(smtp.messages) == 1

    traveller.shift(LEASE)
    assert deliver_due(worker_id=WORKER).sent == 1

    # At least once across that crash, and the copies share one Message-ID, so a mail client
    # shows one message.
    assert len(smtp.messages) == 2
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert message.provider_message_id == smtp.messages[0]["Message-ID"]


def test_a_message_whose_lease_ran_out_in_the_batch_is_left_to_its_new_owner(smtp, db):
    message = queued_email("contested", "contested@example.com")
    [mine] = claim_due(now=timezone.now(), limit=10, worker_id="slow-worker")
    # Meanwhile the lease ran out and another worker took the message over.
    [theirs] = claim_due(now=timezone.now() + CLAIM_LEASE, limit=10, worker_id="other-worker")
    assert theirs.pk == mine.pk

    report = delivery.Report()
    delivery._send(mine, {}, report)

    assert report.lost == 1
    assert smtp.messages == []
    message.refresh_from_db()
    assert (message.claimed_by, message.attempts) == ("other-worker", 0)


def test_a_chat_that_is_not_set_up_fails_its_messages_instead_of_keeping_them_waiting(smtp, db):
    with transaction.atomic():
        enqueue(
            idempotency_key="tg",
            channel="telegram",
            address="12345",
            subject="",
            body_text="hello",
            purpose="page",
        )
    report = deliver_due(worker_id=WORKER)
    assert (report.claimed, report.failed) == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.FAILED
    assert message.attempts == 0
    assert "Telegram is not set up on this Tocsin" in message.last_error


def test_delivery_sent_is_announced_with_the_provider_id(smtp, db):
    seen = []

    def receiver(sender, message, **kwargs):
        seen.append(message.provider_message_id)

    delivery_sent.connect(receiver)
    try:
        queued_email("hello", "hello@example.com")
        deliver_due(worker_id=WORKER)
    finally:
        delivery_sent.disconnect(receiver)
    assert seen == [smtp.messages[0]["Message-ID"]]


def test_the_worker_delivers_the_team_list_five_times_a_second(smtp, db):
    job = next(j for j in periodic_jobs() if j.name == "deliveries: team e-mail")
    assert (job.every, job.thread) == (0.2, "team")
    queued_email("w", "w@example.com")

    job.run()

    assert OutboxMessage.objects.get().state == OutboxState.SENT
    assert OutboxMessage.objects.get().claimed_by == delivery.worker_id()
