"""The timeline tells a page asked for from a page delivered, and the paging card shows a page
whose delivery keeps failing, until the next contact method takes over."""

from django.urls import reverse

from tests.support.oncall import pages
from tocsin.incidents.models import Event
from tocsin.incidents.services import declare
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.webhooks.payloads import event_type

WORKER = "test-worker"
WHY = "level 1: on call in 'Payments Europe/Berlin'"


def paged(payments, p1, lead):
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run_due_escalations()
    return incident


def delivered(incident) -> list[str]:
    return list(
        incident.timeline.filter(kind=Event.PAGE_DELIVERED)
        .order_by("at", "id")
        .values_list("message", flat=True)
    )


def test_a_queued_page_says_paging_and_a_delivered_one_says_delivered(
    smtp, clock, payments, p1, lead, member, policy
):
    incident = paged(payments, p1, lead)
    assert pages(incident) == [f"Paging Bob Okafor via e-mail ({WHY})"]
    assert delivered(incident) == []

    deliver_due(worker_id=WORKER)

    assert delivered(incident) == ["Page delivered to Bob Okafor via e-mail"]
    entry = incident.timeline.get(kind=Event.PAGE_DELIVERED)
    page = OutboxMessage.objects.get(purpose=Purpose.PAGE)
    assert entry.data["outbox_message"] == page.pk
    assert "bob@example.com" not in str(entry.data)
    # Webhooks hear nothing of it.
    assert event_type(Event.PAGE_DELIVERED) is None
    # Delivered once, written once.
    deliver_due(worker_id=WORKER)
    assert len(delivered(incident)) == 1


def test_the_paging_card_shows_a_page_whose_delivery_keeps_failing(
    smtp, clock, payments, p1, lead, member, policy, signed_in
):
    incident = paged(payments, p1, lead)
    smtp.stop()
    deliver_due(worker_id=WORKER)
    page = OutboxMessage.objects.get(purpose=Purpose.PAGE)
    assert page.attempts == 1

    html = signed_in(lead).get(reverse("incident-detail", args=[incident.pk])).content.decode()

    assert "Delivery to Bob Okafor via e-mail failing: cannot reach the mail server" in html
    assert "; attempt 1, next try " in html
    assert f'<time datetime="{page.next_attempt_at.isoformat()}"' in html
    assert "bob@example.com" not in html
    assert delivered(incident) == []

    smtp.start()
    clock.shift(page.next_attempt_at - clock_now())
    deliver_due(worker_id=WORKER)
    html = signed_in(lead).get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "failing" not in html
    assert delivered(incident) == ["Page delivered to Bob Okafor via e-mail"]


def clock_now():
    from django.utils import timezone

    return timezone.now()
