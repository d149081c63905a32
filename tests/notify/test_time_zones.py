"""One time zone rule: every time shown says its zone, and it is the viewer's own (the time zone
in their profile); e-mails use the recipient's zone and carry a real Date: header."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.support.mailbox import ack_path, text_of
from tests.support.web import body
from tocsin.incidents.services import declare
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.emails.content import page_email

# 16:30 UTC is 11:30 in New York (EST, UTC-5) and 17:30 in Berlin (CET, UTC+1).
REPORTED = datetime(2026, 1, 15, 16, 30, tzinfo=UTC)
SENT = datetime(2026, 1, 15, 16, 31, 7, tzinfo=UTC)


@pytest.fixture
def new_yorker(member):
    member.time_zone = "America/New_York"
    member.save(update_fields=["time_zone"])
    return member


@pytest.fixture
def reported(payments, lead, p1):
    with time_machine.travel(REPORTED, tick=False):
        return declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)


def test_times_on_pages_are_in_the_viewers_zone_and_say_which(signed_in, new_yorker, reported):
    with time_machine.travel(SENT, tick=False):
        html = body(signed_in(new_yorker).get(reverse("incident-detail", args=[reported.pk])))
    assert '<time datetime="2026-01-15T11:30:00-05:00"' in html
    assert ">15 Jan, 11:30 EST</time>" in html
    assert "16:30" not in html


def test_a_viewer_in_utc_sees_utc_said(signed_in, lead, reported):
    with time_machine.travel(SENT, tick=False):
        html = body(signed_in(lead).get(reverse("incident-detail", args=[reported.pk])))
    assert ">15 Jan, 16:30 UTC</time>" in html


def test_the_page_e_mail_states_the_recipients_zone(new_yorker, reported):
    with time_machine.travel(SENT, tick=False):
        _, text, html = page_email(reported, new_yorker, reason="on call")
    assert "Reported:  Thu 15 Jan 2026, 11:30 EST (America/New_York)" in text
    assert "Thu 15 Jan 2026, 11:30 EST (America/New_York)" in html


def test_the_acknowledge_page_shows_times_in_the_zone_of_the_person_paged(
    smtp, page, new_yorker, lead, reported
):
    page(reported, new_yorker)
    deliver_due(worker_id="test-worker")
    [received] = smtp.to(new_yorker.email)
    with time_machine.travel(SENT, tick=False):
        html = body(Client().get(ack_path(received)))
    assert "reported <time" in html and ">15 Jan, 11:30 EST</time>" in html
    assert "expires" in text_of(received) and "EST (America/New_York)" in text_of(received)


def test_the_date_header_is_the_real_send_time_with_its_offset(smtp, page, new_yorker, reported):
    # The clock runs (the SMTP server needs it): the header is between SENT and the moment the
    # outbox recorded the message as sent, not the time the incident was reported.
    with time_machine.travel(SENT):
        message = page(reported, new_yorker)
        deliver_due(worker_id="test-worker")
    [received] = smtp.to(new_yorker.email)
    date = received["Date"]
    assert date.endswith("+0000")  # RFC 5322: "-0000" would mean "zone unknown"
    message.refresh_from_db()
    assert SENT <= parsedate_to_datetime(date) <= message.sent_at
