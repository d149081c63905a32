"""A page is for an incident that still needs someone: queued pages of an incident that was
acknowledged, resolved or cancelled are dropped, never sent, and the timeline says why; what a
page says is what the incident looks like when it is sent."""

from datetime import timedelta

from django.utils import timezone

from tests.support.mailbox import text_of
from tocsin.incidents.models import Channel, Event, Status
from tocsin.incidents.services import (
    acknowledge,
    assign,
    cancel,
    change_severity,
    declare,
    resolve,
)
from tocsin.notify.delivery.claims import CLAIM_LEASE, claim_due
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.notify.outbox.services import retry_now
from tocsin.oncall.escalation.engine import run_due_escalations

WORKER = "test-worker"


def clock_now():
    return timezone.now()


def paged(payments, p1, lead):
    """A P1 whose level 1 (Bob) has been paged: the page is queued, not yet sent."""
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run_due_escalations()
    return incident, OutboxMessage.objects.get(purpose=Purpose.PAGE)


def not_sent_lines(incident) -> list[str]:
    return list(
        incident.timeline.filter(data__page_dropped=True)
        .order_by("at", "id")
        .values_list("message", flat=True)
    )


def test_acknowledging_drops_the_queued_page_and_says_why(
    smtp, clock, payments, p1, lead, member, policy
):
    incident, page = paged(payments, p1, lead)
    clock.shift(timedelta(minutes=2))

    acknowledge(incident=incident, by=member, via=Channel.WEB)
    deliver_due(worker_id=WORKER)

    assert smtp.messages == []
    page.refresh_from_db()
    assert page.state == OutboxState.DROPPED
    assert page.last_error == f"{incident.reference} was acknowledged by Bob Okafor at 10:02 UTC"
    assert not_sent_lines(incident) == [
        f"Page to Bob Okafor via e-mail not sent: {incident.reference} was acknowledged "
        "by Bob Okafor at 10:02 UTC"
    ]


def test_a_page_queued_while_smtp_is_down_is_never_sent_once_the_incident_is_resolved(
    smtp, clock, payments, p1, lead, member, policy
):
    incident, page = paged(payments, p1, lead)
    smtp.stop()
    deliver_due(worker_id=WORKER)
    page.refresh_from_db()
    assert (page.state, page.attempts) == (OutboxState.PENDING, 1)

    clock.shift(timedelta(minutes=4))
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back")
    smtp.start()
    clock.shift(timedelta(minutes=1))
    deliver_due(worker_id=WORKER)

    assert "bob@example.com" not in [m["To"] for m in smtp.messages]
    page.refresh_from_db()
    assert page.state == OutboxState.DROPPED
    assert page.last_error == f"{incident.reference} was resolved by Alice Novak at 10:04 UTC"
    assert not_sent_lines(incident) == [
        f"Page to Bob Okafor via e-mail not sent: {incident.reference} was resolved "
        "by Alice Novak at 10:04 UTC"
    ]


def test_a_page_already_claimed_is_checked_again_just_before_it_is_sent(
    smtp, clock, payments, p1, lead, member, policy
):
    incident, page = paged(payments, p1, lead)
    # A worker claimed the page and stopped before sending it; meanwhile Bob acknowledged.
    claim_due(now=clock_now(), limit=10, worker_id="a-worker-that-died")
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    page.refresh_from_db()
    assert page.state == OutboxState.SENDING

    clock.shift(CLAIM_LEASE + timedelta(seconds=1))
    deliver_due(worker_id=WORKER)

    assert smtp.messages == []
    page.refresh_from_db()
    assert (page.state, page.attempts) == (OutboxState.DROPPED, 0)
    assert page.last_error == f"{incident.reference} was acknowledged by Bob Okafor at 10:00 UTC"
    assert not_sent_lines(incident) == [
        f"Page to Bob Okafor via e-mail not sent: {incident.reference} was acknowledged "
        "by Bob Okafor at 10:00 UTC"
    ]


def test_team_notifications_are_not_dropped(smtp, clock, payments, p1, lead, member, policy):
    incident, page = paged(payments, p1, lead)
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back")
    deliver_due(worker_id=WORKER)

    resolution = OutboxMessage.objects.get(purpose=Purpose.RESOLUTION)
    assert resolution.state == OutboxState.SENT
    assert [m["To"] for m in smtp.messages] == ["payments@example.com"]


def test_a_page_says_what_the_incident_looks_like_when_it_is_sent(
    smtp, clock, payments, p1, lead, member, policy
):
    incident, page = paged(payments, p1, lead)
    incident.title = "Checkout returns 503"
    incident.save()

    deliver_due(worker_id=WORKER)

    (mail,) = smtp.messages
    assert "Checkout returns 503" in mail["Subject"]
    assert "Checkout returns 503" in text_of(mail)
    page.refresh_from_db()
    assert "Checkout returns 503" in page.body_text
    assert incident.status == Status.TRIGGERED
    assert Event.PAGE_SENT in incident.timeline.values_list("kind", flat=True)


def test_cancelling_assigning_or_lowering_the_severity_drops_the_queued_page_too(
    smtp, clock, payments, p1, p3, lead, member, policy
):
    cancelled, page = paged(payments, p1, lead)
    cancel(incident=cancelled, by=lead, via=Channel.WEB, reason="A test alert")
    page.refresh_from_db()
    assert (page.state, page.last_error) == (
        OutboxState.DROPPED,
        f"{cancelled.reference} was cancelled at 10:00 UTC",
    )

    assigned = declare(title="Refunds fail", severity=p1, team=payments, by=lead)
    run_due_escalations()
    assign(incident=assigned, to=member, by=lead, via=Channel.WEB)
    lowered = declare(title="Search is slow", severity=p1, team=payments, by=lead)
    run_due_escalations()
    change_severity(incident=lowered, severity=p3, by=lead, via=Channel.WEB)

    deliver_due(worker_id=WORKER)
    # No page went out; the team's list hears of the cancel, as it should.
    assert [m["Subject"] for m in smtp.messages] == [
        f"Cancelled: [P1] {cancelled.reference} {cancelled.title}"
    ]
    states = OutboxMessage.objects.filter(purpose=Purpose.PAGE).values_list("state", flat=True)
    assert set(states) == {OutboxState.DROPPED}
    assert not_sent_lines(lowered) == [
        "Page to Bob Okafor via e-mail not sent: the escalation stopped: severity lowered to "
        f"{p3}, which does not page"
    ]


def test_a_dropped_page_is_not_sent_again_by_the_admins_retry(
    smtp, clock, payments, p1, lead, member, policy, admin
):
    incident, page = paged(payments, p1, lead)
    acknowledge(incident=incident, by=member, via=Channel.WEB)

    assert retry_now(messages=OutboxMessage.objects.all(), by=admin) == 0
    deliver_due(worker_id=WORKER)

    page.refresh_from_db()
    assert page.state == OutboxState.DROPPED
    assert smtp.messages == []
