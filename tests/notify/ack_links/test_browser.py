"""The page e-mail and its acknowledge link in a real Chromium, as the person paged sees them."""

from pathlib import Path

import pytest

from tests.support.browser import new_page
from tests.support.mailbox import ack_path, html_of
from tocsin.incidents.models import Channel, Event, Status
from tocsin.notify.delivery.loop import deliver_due

EMAIL_SCREENSHOT = "/tmp/tocsin-page-email.png"
CONFIRM_SCREENSHOT = "/tmp/tocsin-ack-confirm.png"
DONE_SCREENSHOT = "/tmp/tocsin-ack-done.png"
USED_SCREENSHOT = "/tmp/tocsin-ack-used.png"

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def tab(browser):
    with new_page(browser, width=820, height=900) as tab:
        yield tab


def test_acknowledging_from_the_page_email_in_a_browser(
    tab, live_server, settings, smtp, page, incident, member
):
    from playwright.sync_api import expect

    settings.BASE_URL = live_server.url
    incident.description = "Every checkout since 14:02 answers 502; card payments are failing."
    incident.save()
    page(incident, member)
    deliver_due(worker_id="test-worker")
    [received] = smtp.to(member.email)

    # The e-mail as a mail client would show it.
    tab.set_content(html_of(received))
    button = tab.get_by_role("link", name="Acknowledge")
    expect(button).to_be_visible()
    tab.screenshot(path=EMAIL_SCREENSHOT, full_page=True)
    assert button.get_attribute("href") == live_server.url + ack_path(received)

    button.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"Acknowledge {incident.reference}?")
    tab.screenshot(path=CONFIRM_SCREENSHOT, full_page=True)
    assert incident.refresh().status == Status.TRIGGERED  # opening the link did nothing

    tab.get_by_role("button", name="Acknowledge as Bob Okafor").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"{incident.reference} is yours")
    tab.screenshot(path=DONE_SCREENSHOT, full_page=True)

    # Opening the link again: it worked once, and says so.
    response = tab.goto(live_server.url + ack_path(received))
    assert response.status == 410
    expect(tab.get_by_role("alert")).to_contain_text("already been used")
    tab.screenshot(path=USED_SCREENSHOT, full_page=True)

    incident.refresh()
    assert incident.acknowledged_by == member
    assert incident.timeline.get(kind=Event.ACKNOWLEDGED).via == Channel.EMAIL
    for screenshot in (EMAIL_SCREENSHOT, CONFIRM_SCREENSHOT, DONE_SCREENSHOT, USED_SCREENSHOT):
        assert Path(screenshot).stat().st_size > 10_000
