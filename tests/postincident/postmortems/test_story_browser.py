"""The post-mortem story in a real Chromium: because the P1 requires one, a draft waits for Bob;
he writes, asks Alice and Carol to review; Carol requests changes, Bob answers, both approve;
Bob publishes it into the folder and downloads the Markdown."""

import pytest

from tests.support.browser import new_page, sign_in
from tocsin.incidents.models import Channel
from tocsin.incidents.services import declare, resolve
from tocsin.postincident.postmortems.models import Postmortem, PostmortemStatus

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def resolved_p1(payments, lead, member, p1, checkout):
    incident = declare(
        title="Checkout returns 502",
        severity=p1,
        team=payments,
        by=lead,
        via=Channel.WEB,
        services=[checkout],
        commander=member,
    )
    return resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back.")


def test_reviewing_a_postmortem(
    browser, live_server, resolved_p1, lead, member, outsider, settings, tmp_path
):
    settings.POSTMORTEM_DIR = str(tmp_path)
    settings.POSTMORTEM_APPROVALS = 2
    url = live_server.url
    postmortem = Postmortem.objects.get(incident=resolved_p1)

    with new_page(browser) as tab:
        sign_in(tab, url, member.email)
        tab.goto(f"{url}/incidents/{resolved_p1.pk}/")
        card = tab.locator("#postmortem")
        assert "Draft by Bob Okafor" in card.inner_text()
        card.get_by_role("link", name="Open the post-mortem").click()
        tab.get_by_role("link", name="Edit sections").click()
        tab.get_by_label("Lessons").fill("Probe the **gateway**, not only the shop.")
        tab.get_by_role("button", name="Save").click()
        assert "Post-mortem saved." in tab.inner_text("body")
        assert tab.locator("strong", has_text="gateway").count() == 1
        review_card = tab.locator("#review")
        review_card.get_by_label("Alice Novak").check()
        review_card.get_by_label("Carol Jensen").check()
        review_card.get_by_role("button", name="Ask for review").click()
        assert "In review" in tab.inner_text(".page-head")

    with new_page(browser) as tab:
        sign_in(tab, url, outsider.email)
        tab.goto(f"{url}/postmortems/{postmortem.pk}/")
        lessons = tab.locator("section.postmortem-section", has_text="Lessons")
        lessons.get_by_text("Comment on Lessons").click()
        lessons.get_by_label("Comment").fill("Which probe, and who owns it?")
        lessons.get_by_role("button", name="Add comment").click()
        assert (
            "Which probe, and who owns it?"
            in tab.locator("section.postmortem-section", has_text="Lessons").inner_text()
        )
        tab.get_by_label("Request changes").check()
        tab.locator("#review").get_by_label("Comment").fill("Name the probe's owner.")
        tab.get_by_role("button", name="Submit review").click()
        assert "Changes requested" in tab.inner_text(".page-head")

    with new_page(browser) as tab:
        sign_in(tab, url, member.email)
        tab.goto(f"{url}/postmortems/{postmortem.pk}/")
        tab.get_by_role("link", name="Edit sections").click()
        tab.get_by_label("Lessons").fill("Probe the gateway; Payments owns the probe.")
        tab.get_by_role("button", name="Save").click()
        tab.get_by_role("button", name="Send for review again").click()
        assert "In review" in tab.inner_text(".page-head")

    for reviewer in (lead, outsider):
        with new_page(browser) as tab:
            sign_in(tab, url, reviewer.email)
            tab.goto(f"{url}/postmortems/{postmortem.pk}/")
            tab.get_by_label("Approve", exact=True).check()
            tab.get_by_role("button", name="Submit review").click()
            assert "Review recorded." in tab.inner_text("body")
            assert tab.get_by_role("button", name="Publish the post-mortem").count() == 0

    with new_page(browser) as tab:
        sign_in(tab, url, member.email)
        tab.goto(f"{url}/postmortems/{postmortem.pk}/")
        assert "2 of 2 approvals: Alice Novak, Carol Jensen" in tab.inner_text("#review")
        tab.fill("#no_action_items_reason", "The rollback is the fix; nothing to follow up.")
        tab.get_by_role("button", name="Publish the post-mortem").click()
        assert "Post-mortem published." in tab.inner_text("body")
        with tab.expect_download() as download:
            tab.get_by_role("link", name="Download Markdown").click()
        text = download.value.path().read_text(encoding="utf-8")

    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    written = tmp_path / f"inc-{resolved_p1.pk}-checkout-returns-502.md"
    assert written.read_text() == text
    assert "Probe the gateway; Payments owns the probe." in text
    assert 'approved_by:\n  - "Alice Novak <alice@example.com>"\n  - "Carol Jensen' in text
