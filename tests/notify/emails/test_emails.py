"""What the e-mails say, the page e-mail queued for one person, and the resolution e-mail to the
team's list."""

import pytest
from django.db import transaction

from tests.support.mailbox import html_of, text_of
from tests.support.people import email_method
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import acknowledge, cancel, declare, reopen, resolve
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.emails.content import page_email, resolution_email
from tocsin.notify.emails.services import enqueue_page_email, enqueue_team_notification
from tocsin.notify.models import OutboxMessage


def test_the_team_list_hears_who_resolved_it_when_and_how(smtp, incident, member, lead):
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Rolled back release 41")

    message = OutboxMessage.objects.get(purpose="resolution")
    event = incident.timeline.get(kind=Event.RESOLVED)
    assert message.idempotency_key == f"resolution:{incident.pk}:{event.pk}"
    deliver_due(worker_id="test-worker")

    [received] = smtp.to("payments@example.com")
    assert received["Subject"] == f"Resolved: [P1] {incident.reference} Checkout returns 502"
    text = text_of(received)
    resolved_at = incident.refresh().resolved_at.strftime("%a %d %b %Y, %H:%M UTC")
    assert f"Resolved by Bob Okafor on {resolved_at}" in text
    assert "Rolled back release 41" in text
    assert "Rolled back release 41" in html_of(received)
    assert received["References"] == f"<incident-{incident.pk}.tocsin@example.org>"


def test_no_resolution_email_when_the_team_has_no_list(platform, lead, p3):
    incident = declare(title="Cache misses", severity=p3, team=platform, by=None, system="test")
    platform.memberships.create(user=lead)
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Warmed up")
    assert not OutboxMessage.objects.exists()


def test_the_resolution_email_rolls_back_with_a_failed_resolve(incident, lead):
    with pytest.raises(RuntimeError), transaction.atomic():
        resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back")
        raise RuntimeError("the resolve did not commit")
    assert not OutboxMessage.objects.exists()


def test_titles_are_escaped_in_html_and_kept_in_text(payments, lead, member, p1):
    incident = declare(
        title='<img src=x onerror="alert(1)"> & more', severity=p1, team=payments, by=lead
    )

    subject, text, html = page_email(incident, member, reason="on call <now>")

    assert '<img src=x onerror="alert(1)"> & more' in subject
    assert '<img src=x onerror="alert(1)"> & more' in text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; more" in html
    assert "on call &lt;now&gt;" in html


def test_drills_say_so_in_the_subject(payments, lead, member, p1):
    incident = declare(title="Practice", severity=p1, team=payments, by=lead, drill=True)
    subject, text, _ = page_email(incident, member, reason="drill")
    assert subject.startswith("[DRILL] [P1]")
    assert text.startswith("DRILL · ")


def test_page_times_are_in_the_recipients_time_zone(incident, member):
    member.time_zone = "Europe/Berlin"
    _, text, _ = page_email(incident, member, reason="r")
    assert "CET" in text or "CEST" in text


def test_a_team_notification_goes_to_the_list_without_an_acknowledge_link(smtp, payments, p3):
    # Declaring a P3 enqueues the notification (the escalation engine's paging policy); the
    # same idempotency key again adds nothing.
    incident = declare(title="Slow search", severity=p3, team=payments, by=None, system="test")
    created = incident.timeline.get(kind="created")
    with transaction.atomic():
        enqueue_team_notification(
            incident,
            reason="P3 pages no one.",
            idempotency_key=f"team-notification:{incident.pk}:{created.pk}",
        )
    deliver_due(worker_id="test-worker")

    [received] = smtp.to("payments@example.com")
    assert received["Subject"] == f"[P3] {incident.reference} Slow search"
    assert "P3 Moderate does not page on-call" in text_of(received)
    assert "/ack/" not in text_of(received)


def test_resolution_email_without_a_resolver_names_tocsin(payments, p3):
    incident = declare(title="Flap", severity=p3, team=payments, by=None, system="Prometheus")
    resolve(incident=incident, by=None, via=Channel.INTEGRATION, resolution="Recovered", system="x")
    _, text, _ = resolution_email(incident.refresh())
    assert "Resolved by Tocsin on" in text


def test_a_page_email_names_the_person_the_incident_and_why(incident, member):
    method = email_method(member, "bob.pager@example.com")
    with transaction.atomic():
        message = enqueue_page_email(
            incident, member, method, reason="on call for Payments primary", idempotency_key="p1"
        )
    assert message.purpose == "page"
    assert message.channel == "email"
    assert message.recipient == member
    assert message.incident == incident
    assert message.address == "bob.pager@example.com"
    assert message.subject == f"[P1] {incident.reference} Checkout returns 502"
    assert "on call for Payments primary" in message.body_text
    assert message.data["contact_method"] == method.pk


def test_a_page_email_needs_an_email_contact_method_of_that_person(incident, member, lead):
    leads_method = email_method(lead)
    with pytest.raises(ValueError, match="belongs to someone else"), transaction.atomic():
        enqueue_page_email(incident, member, leads_method, reason="r", idempotency_key="p1")
    telegram = email_method(member)
    telegram.kind = "telegram"
    with pytest.raises(ValueError, match="not an e-mail contact method"), transaction.atomic():
        enqueue_page_email(incident, member, telegram, reason="r", idempotency_key="p2")
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("change", ["reopened", "cancelled"])
def test_the_team_list_hears_about_a_reopen_and_a_cancel_too(smtp, incident, member, lead, change):
    if change == "reopened":
        acknowledge(incident=incident, by=member, via=Channel.WEB)
        resolve(incident=incident, by=member, via=Channel.WEB, resolution="Rolled back")
        reopen(incident=incident, by=member, via=Channel.WEB, reason="502s are back")
        subject, said, by = "Reopened: ", "502s are back", member
    else:
        cancel(incident=incident, by=lead, via=Channel.WEB, reason="duplicate of INC-1")
        subject, said, by = "Cancelled: ", "duplicate of INC-1", lead
    deliver_due(worker_id="test-worker")

    received = [m for m in smtp.to("payments@example.com") if m["Subject"].startswith(subject)]
    assert [m["Subject"] for m in received] == [
        f"{subject}[P1] {incident.reference} Checkout returns 502"
    ]
    text = text_of(received[0])
    assert f"by {by} on " in text and said in text
    assert said in html_of(received[0])
    assert received[0]["References"] == f"<incident-{incident.pk}.tocsin@example.org>"


def test_a_reopened_incident_that_pages_no_one_is_one_email_to_the_list(smtp, payments, lead, p3):
    incident = declare(title="Slow refunds", severity=p3, team=payments, by=lead)
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Cache warmed")
    reopen(incident=incident, by=lead, via=Channel.WEB, reason="slow again")
    deliver_due(worker_id="test-worker")
    subjects = [m["Subject"] for m in smtp.to("payments@example.com")]
    assert subjects == [
        f"[P3] {incident.reference} Slow refunds",
        f"Resolved: [P3] {incident.reference} Slow refunds",
        f"Reopened: [P3] {incident.reference} Slow refunds",
    ]
