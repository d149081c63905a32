"""The story in a real Chromium: Sam records the problem (a WebM and an MP4 made by Chromium's
MediaRecorder, a JPEG made by its canvas), attaches them with a HAR file through the ticket
page's "Attach files" form, and sees the screenshot shown, the recordings playable in the page
and the HAR file listed with what was removed from it."""

import base64

import pytest

from tests.support.browser import new_page
from tests.support.people import PASSWORD

from . import files

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECORD = """async mime => {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 48;
  const context = canvas.getContext('2d');
  const stream = canvas.captureStream(25);
  const recorder = new MediaRecorder(stream, {mimeType: mime});
  const chunks = [];
  recorder.ondataavailable = event => chunks.push(event.data);
  const stopped = new Promise(resolve => recorder.onstop = resolve);
  recorder.start(100);
  for (let frame = 0; frame < 15; frame++) {
    context.fillStyle = `rgb(${frame * 16}, 0, 0)`;
    context.fillRect(0, 0, 64, 48);
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
  await new Promise(resolve => setTimeout(resolve, 400));
  recorder.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}"""

SCREENSHOT = """() => {
  const canvas = document.createElement('canvas');
  canvas.width = 40; canvas.height = 30;
  const context = canvas.getContext('2d');
  context.fillStyle = '#06c'; context.fillRect(0, 0, 40, 30);
  return canvas.toDataURL('image/jpeg', 0.9).split(',')[1];
}"""


def _sign_in(tab, url, email):
    tab.goto(f"{url}/tickets/")
    tab.get_by_label("E-mail").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{url}/tickets/")


def test_sam_attaches_a_screenshot_recordings_and_a_har_file(
    browser, live_server, agent, ticket, stored
):
    from playwright.sync_api import expect

    url = live_server.url
    with new_page(browser) as tab:
        _sign_in(tab, url, agent.email)
        tab.goto(f"{url}/tickets/{ticket.pk}/")
        webm = base64.b64decode(tab.evaluate(RECORD, "video/webm;codecs=vp8"))
        mp4 = base64.b64decode(tab.evaluate(RECORD, "video/mp4;codecs=avc1"))
        jpeg = base64.b64decode(tab.evaluate(SCREENSHOT))
        assert webm.startswith(b"\x1a\x45\xdf\xa3") and mp4[4:8] == b"ftyp"

        tab.get_by_label("Attach files").set_input_files(
            [
                {"name": "error.jpg", "mimeType": "image/jpeg", "buffer": jpeg},
                {"name": "steps.webm", "mimeType": "video/webm", "buffer": webm},
                {"name": "steps.mp4", "mimeType": "video/mp4", "buffer": mp4},
                {"name": "session.har", "mimeType": "application/json", "buffer": files.har()},
            ]
        )
        tab.get_by_role("button", name="Attach", exact=True).click()
        tab.wait_for_url(f"{url}/tickets/{ticket.pk}/#attachments")
        expect(tab.locator(".messages")).to_contain_text(
            f"Attached error.jpg, steps.webm, steps.mp4, session.har to {ticket.reference}."
        )

        card = tab.locator("#attachments")
        image = card.get_by_role("img", name="Screenshot error.jpg")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") == 40

        videos = card.locator("video[controls]")
        expect(videos).to_have_count(2)
        for index in range(2):
            video = videos.nth(index)
            video.evaluate("v => v.load()")
            playable = "v => v.readyState >= 1 && v.videoWidth > 0"
            tab.wait_for_function(playable, arg=video.element_handle())
            assert video.evaluate("v => v.videoWidth") == 64
            assert video.evaluate("v => !v.error")

        expect(card.get_by_role("link", name="session.har")).to_have_attribute(
            "download", "session.har"
        )
        expect(card).to_contain_text(
            "Removed: 1 cookie, 1 Cookie header, 1 Authorization header, 1 password field"
        )
    assert len(stored()) == 4
    assert [a.content_type for a in ticket.attachments.order_by("id")] == [
        "image/jpeg",
        "video/webm",
        "video/mp4",
        "application/json",
    ]


def test_a_refusal_in_the_browser_names_the_file_and_offers_the_form_again(
    browser, live_server, agent, ticket, stored
):
    from playwright.sync_api import expect

    url = live_server.url
    with new_page(browser) as tab:
        _sign_in(tab, url, agent.email)
        tab.goto(f"{url}/tickets/{ticket.pk}/")
        tab.get_by_label("Attach files").set_input_files(
            [{"name": "shot.png", "mimeType": "image/png", "buffer": files.HTML}]
        )
        tab.get_by_role("button", name="Attach", exact=True).click()
        expect(tab.get_by_role("heading", name="Nothing was attached")).to_be_visible()
        expect(tab.get_by_role("alert")).to_contain_text("shot.png: Tocsin accepts")
        expect(tab.get_by_label("Attach files")).to_be_visible()
    assert stored() == []
