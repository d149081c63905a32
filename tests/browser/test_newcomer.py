"""A newcomer's first incident with Tocsin as it comes (no mail server set up), in a real
Chromium: Bob declares a P1 for Payments, the page to Alice is kept here, Alice reads it on the
Deliveries page and acknowledges from its link."""

from datetime import timedelta

import pytest

from tests.support.browser import new_page, sign_in
from tests.support.outbox import deliver
from tocsin.incidents.models import Incident, Status
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def alice_on_call(payments, lead, berlin, layer_of):
    """Alice is on call for Payments, and its policy pages whoever is on call."""
    layer_of(berlin, [lead])
    return create_policy(
        team=payments,
        name="Payments default",
        by=lead,
        levels=[LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=berlin)])],
    )


def test_bob_declares_a_p1_and_alice_acknowledges_from_her_kept_page(
    browser, tab, live_server, settings, severities, member, lead, checkout, alice_on_call
):
    from playwright.sync_api import expect

    settings.BASE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = ""  # as it comes: no mail server

    sign_in(tab, live_server.url, member.email)
    tab.get_by_role("link", name="Declare", exact=True).click()
    tab.get_by_label("Title").fill("Checkout returns 502")
    tab.locator("label.severity-choice", has_text="P1").click()
    tab.get_by_role("button", name="Declare incident").click()
    incident = Incident.objects.get()
    tab.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    assert incident.team.name == "Payments"

    # What the worker does beside the server: page who is on call, deliver what is due.
    run_due_escalations()
    deliver()
    page = OutboxMessage.objects.get(incident=incident, recipient=lead, purpose="page")
    assert page.state == OutboxState.KEPT

    with new_page(browser) as alice:
        sign_in(alice, live_server.url, lead.email)
        alice.get_by_role("link", name="Deliveries", exact=True).click()
        row = alice.locator(f"#delivery-{page.pk}")
        expect(row).to_contain_text("Alice Novak")
        expect(row).to_contain_text("Kept here")
        alice.screenshot(path="/tmp/tocsin-deliveries.png", full_page=True)
        row.get_by_role("link", name="Page").click()

        alice.wait_for_url(f"{live_server.url}/deliveries/{page.pk}/")
        expect(alice.locator(".delivery-subject")).to_have_text(
            f"[P1] {incident.reference} Checkout returns 502"
        )
        # The HTML part renders in its sandbox, as a mail client would show it.
        html_part = alice.frame_locator(".delivery-html").locator("body")
        expect(html_part).to_contain_text("Checkout returns 502")
        alice.screenshot(path="/tmp/tocsin-kept-page.png", full_page=True)
        # Its Acknowledge button, as in a mail client, opens the link in the page itself.
        html_part.get_by_role("link", name="Acknowledge").click()
        alice.wait_for_url(f"{live_server.url}/ack/**")
        alice.get_by_role("button", name="Acknowledge as Alice Novak").click()
        expect(alice.get_by_role("heading", level=1)).to_have_text(f"{incident.reference} is yours")

        alice.get_by_role("link", name=f"Open {incident.reference} in Tocsin").click()
        acknowledged = alice.locator(".timeline .event", has_text="Alice Novak acknowledged")
        expect(acknowledged.locator(".event-kind")).to_have_text("Acknowledged")

    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.acknowledged_by == lead
