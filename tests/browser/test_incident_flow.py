"""A responder works an incident from declaration to resolution in a real Chromium."""

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tocsin.incidents import services
from tocsin.incidents.defaults import DEFAULT_SEVERITIES
from tocsin.incidents.models import Channel, Incident, Severity

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = "/tmp/tocsin-incident.png"

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def severities(transactional_db):
    """The default ladder, which a flushed test database may have lost."""
    for row in DEFAULT_SEVERITIES:
        Severity.objects.get_or_create(key=row["key"], defaults=row)


@pytest.fixture
def browser(monkeypatch):
    if not Path(CHROMIUM).exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; the test still talks to the
    # database synchronously, which is safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/incidents/")
    assert "/login/" in page.url
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/incidents/")


def test_declare_acknowledge_note_and_resolve(page, live_server, severities, lead, checkout):
    from playwright.sync_api import expect

    sign_in(page, live_server, lead.email)

    page.get_by_role("link", name="Declare", exact=True).click()
    page.get_by_label("Title").fill("Checkout returns 502")
    page.locator("label.severity-choice", has_text="P1").click()
    expect(page.get_by_label("Team")).to_have_value(str(lead.teams.get().pk))
    page.get_by_label("Checkout (Payments)").check()
    page.get_by_label("Description").fill("Every checkout since 14:02 answers 502.")
    page.get_by_role("button", name="Declare incident").click()

    incident = Incident.objects.get()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Checkout returns 502")
    status = page.locator('[data-live-part="status"] .pill')
    expect(status).to_have_text("Triggered")

    page.get_by_role("button", name="Acknowledge").click()
    expect(status).to_have_text("Working")
    expect(page.get_by_role("status")).to_contain_text("You acknowledged")

    page.get_by_label("Add a note").fill("Rolled back to release 811; error rate falling.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".event-note")).to_contain_text("Rolled back to release 811")

    page.get_by_label("Resolution").fill("Release 812 broke the payment gateway client.")
    page.get_by_role("button", name=f"Resolve {incident.reference}").click()

    expect(status).to_have_text("Resolved")
    facts = page.locator(".facts")
    expect(facts.locator(".fact", has_text="Resolved by").locator("dd")).to_have_text("Alice Novak")
    expect(facts.locator(".fact", has_text="Resolved at").locator("time")).to_be_visible()
    expect(facts.locator(".fact", has_text="Resolution time").locator("dd")).not_to_be_empty()
    kinds = page.locator(".timeline .event-kind").all_inner_texts()
    for kind in ("Declared", "Acknowledged", "Note", "Resolved"):
        assert kind in kinds
    assert kinds[0] == "Resolved"  # newest first
    expect(page.locator(".outcome-resolved")).to_contain_text("Release 812 broke")
    assert "data-live-url" not in page.content()  # closed: no more polling

    page.screenshot(path=SCREENSHOT, full_page=True)
    assert Path(SCREENSHOT).stat().st_size > 10_000


def test_an_open_incident_page_follows_changes_made_elsewhere(
    page, live_server, severities, lead, member, checkout, payments
):
    from playwright.sync_api import expect

    incident = services.declare(
        title="Card authorisations timing out",
        severity=Severity.objects.get(key="P2"),
        team=payments,
        by=lead,
        via=Channel.WEB,
    )
    sign_in(page, live_server, lead.email)
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    status = page.locator('[data-live-part="status"] .pill')
    expect(status).to_have_text("Triggered")

    # Bob acknowledges from Telegram while Alice watches the page.
    services.acknowledge(incident=incident, by=member, via=Channel.TELEGRAM)

    expect(status).to_have_text("Working", timeout=15_000)
    expect(page.locator(".timeline")).to_contain_text("via Telegram")
    expect(page.locator(".fact", has_text="Owner").locator("dd")).to_have_text("Bob Okafor")
