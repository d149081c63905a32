"""The e-mail channel against a real SMTP server: what arrives, and how the server's answers are
sorted into sent, try again later, and never (with the page's failure on the timeline)."""

from datetime import timedelta

from django.utils import timezone

from tests.support.mailbox import ack_path, html_of, text_of
from tests.support.outbox import WORKER, queued_email
from tocsin.incidents.models import Event
from tocsin.notify.channels import email as email_channel
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxMessage, OutboxState


def test_a_due_page_arrives_with_severity_title_and_acknowledge_link(smtp, incident, member, page):
    message = page(incident, member)

    report = deliver_due(worker_id=WORKER)

    assert (report.claimed, report.sent) == (1, 1)
    [received] = smtp.messages
    assert received["To"] == "bob@example.com"
    assert received["Subject"] == f"[P1] {incident.reference} Checkout returns 502"
    assert received["From"] == "Tocsin <tocsin@example.org>"
    assert received["Auto-Submitted"] == "auto-generated"
    text = text_of(received)
    assert "P1 Critical" in text
    assert "Checkout returns 502" in text
    assert "Team:      Payments" in text
    assert "Services:  Checkout" in text
    assert f"https://tocsin.example.org/incidents/{incident.pk}/" in text
    assert ack_path(received).startswith("/ack/")
    html = html_of(received)
    assert ">Acknowledge</a>" in html
    assert ack_path(received) in html

    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.provider_message_id == received["Message-ID"]
    assert message.provider_message_id == email_channel.message_id(message.idempotency_key)


def test_a_4xx_reply_is_retried_later(smtp, db, traveller):
    smtp.refuse["busy@example.com"] = "451 4.7.1 Greylisted, try again later"
    message = queued_email("grey", "busy@example.com")

    assert deliver_due(worker_id=WORKER).retried == 1

    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert "451 4.7.1 Greylisted" in message.last_error
    del smtp.refuse["busy@example.com"]
    traveller.shift(timedelta(seconds=10))
    assert deliver_due(worker_id=WORKER).sent == 1


def test_a_550_fails_the_page_for_good_and_says_so_on_the_timeline(
    smtp, incident, member, page, failures
):
    smtp.refuse["gone@example.com"] = "550 5.1.1 <gone@example.com>: Recipient address rejected"
    message = page(incident, member, address="gone@example.com")

    report = deliver_due(worker_id=WORKER)

    assert (report.failed, report.sent, report.retried) == (1, 0, 0)
    assert smtp.messages == []
    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
    assert "550 5.1.1" in message.last_error
    event = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert event.message == (
        "Page to Bob Okafor via e-mail failed: the mail server refused "
        "the recipient: 550 5.1.1 <the recipient>: Recipient address rejected"
    )
    # The address is only on the outbox row, which viewers never see.
    assert "gone@example.com" not in str(event.data)
    assert "gone@example.com" in message.last_error
    assert event.data["outbox_message"] == message.pk
    assert [(m.pk, m.recipient) for m, _ in failures] == [(message.pk, member)]
    # Failed for good: later rounds leave it alone (they page Bob's next way to be reached).
    deliver_due(worker_id=WORKER, now=timezone.now() + timedelta(days=1))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.FAILED, 1)


def test_a_malformed_address_fails_without_asking_the_mail_server(
    smtp, incident, member, page, failures
):
    message = page(incident, member, address="bob at example dot com")

    assert deliver_due(worker_id=WORKER).failed == 1

    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
    assert "not a valid e-mail address" in message.last_error
    assert incident.timeline.filter(message__startswith="Page to Bob Okafor").exists()
    assert len(failures) == 1


def test_a_slow_message_times_out_without_holding_up_the_rest(smtp, db, settings):
    settings.EMAIL_TIMEOUT = 0.5
    smtp.stall("slow@example.com")  # the server sits on RCPT TO until released
    queued_email("slow", "slow@example.com")  # first in line
    queued_email("a", "a@example.com")
    queued_email("b", "b@example.com")

    report = deliver_due(worker_id=WORKER)

    # The worker gave up on the slow one and sent the rest while the server still sat on it.
    assert smtp.unanswered == {"slow@example.com"}
    assert sorted(m["To"] for m in smtp.messages) == ["a@example.com", "b@example.com"]
    smtp.release()
    assert (report.sent, report.retried) == (2, 1)
    slow = OutboxMessage.objects.get(idempotency_key="slow")
    assert slow.state == OutboxState.PENDING
    assert "did not answer in time" in slow.last_error
