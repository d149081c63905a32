"""A responder works an incident from declaration to resolution in a real Chromium."""

from pathlib import Path

import pytest

from tests.support.browser import sign_in
from tocsin.incidents import services
from tocsin.incidents.models import Channel, Incident, Severity

SCREENSHOT = "/tmp/tocsin-incident.png"

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_declare_acknowledge_note_and_resolve(tab, live_server, severities, lead, checkout):
    from playwright.sync_api import expect

    sign_in(tab, live_server.url, lead.email)

    tab.get_by_role("link", name="Declare", exact=True).click()
    tab.get_by_label("Title").fill("Checkout returns 502")
    tab.locator("label.severity-choice", has_text="P1").click()
    expect(tab.get_by_label("Team")).to_have_value(str(lead.teams.get().pk))
    tab.get_by_label("Checkout (Payments)").check()
    tab.get_by_label("Description").fill("Every checkout since 14:02 answers 502.")
    tab.get_by_role("button", name="Declare incident").click()

    incident = Incident.objects.get()
    tab.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Checkout returns 502")
    status = tab.locator('[data-live-part="status"] .pill')
    expect(status).to_have_text("Triggered")

    tab.get_by_role("button", name="Acknowledge").click()
    expect(status).to_have_text("Working")
    expect(tab.get_by_role("status")).to_contain_text("You acknowledged")

    tab.get_by_label("Add a note").fill("Rolled back to release 811; error rate falling.")
    tab.get_by_role("button", name="Add note").click()
    expect(tab.locator(".event-note")).to_contain_text("Rolled back to release 811")

    tab.get_by_label("Resolution").fill("Release 812 broke the payment gateway client.")
    tab.get_by_role("button", name=f"Resolve {incident.reference}").click()

    expect(status).to_have_text("Resolved")
    facts = tab.locator(".facts")
    expect(facts.locator(".fact", has_text="Resolved by").locator("dd")).to_have_text("Alice Novak")
    expect(facts.locator(".fact", has_text="Resolved at").locator("time")).to_be_visible()
    expect(facts.locator(".fact", has_text="Resolution time").locator("dd")).not_to_be_empty()
    kinds = tab.locator(".timeline .event-kind").all_inner_texts()
    for kind in ("Declared", "Acknowledged", "Note", "Resolved"):
        assert kind in kinds
    # Newest first: what the resolution wrote (its situation report and, for a P1, the
    # post-mortem draft), then the resolution itself.
    assert kinds[: kinds.index("Resolved") + 1] == ["Post-mortem", "Situation report", "Resolved"]
    expect(tab.locator("#situation-report")).to_contain_text("Release 812 broke")
    expect(tab.locator(".outcome-resolved")).to_contain_text("Release 812 broke")
    assert "data-live-url" not in tab.content()  # closed: no more polling

    tab.screenshot(path=SCREENSHOT, full_page=True)
    assert Path(SCREENSHOT).stat().st_size > 10_000


def test_an_open_incident_page_follows_changes_made_elsewhere(
    tab, live_server, severities, lead, member, checkout, payments
):
    from playwright.sync_api import expect

    incident = services.declare(
        title="Card authorisations timing out",
        severity=Severity.objects.get(key="P2"),
        team=payments,
        by=lead,
        via=Channel.WEB,
    )
    sign_in(tab, live_server.url, lead.email)
    tab.goto(f"{live_server.url}/incidents/{incident.pk}/")
    status = tab.locator('[data-live-part="status"] .pill')
    expect(status).to_have_text("Triggered")

    # Bob acknowledges from Telegram while Alice watches the page.
    services.acknowledge(incident=incident, by=member, via=Channel.TELEGRAM)

    expect(status).to_have_text("Working", timeout=15_000)
    expect(tab.locator(".timeline")).to_contain_text("via Telegram")
    expect(tab.locator(".fact", has_text="Owner").locator("dd")).to_have_text("Bob Okafor")
