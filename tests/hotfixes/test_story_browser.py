"""The hot fix story in a real Chromium: Bob records the hot fix of a resolved incident from
its page, ticks one merge-back and saves, and sees both on the timeline; the same works with
JavaScript switched off."""

import pytest

from tests.support.browser import new_page, sign_in
from tests.support.people import PASSWORD
from tocsin.incidents.models import Channel
from tocsin.incidents.services import resolve

from .conftest import CHANGE

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_bob_records_a_hot_fix_and_ticks_a_merge_back(browser, live_server, member, lead, incident):
    from playwright.sync_api import expect

    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Gateway timeout raised.")
    url = live_server.url
    with new_page(browser) as tab:
        sign_in(tab, url, member.email)
        tab.goto(f"{url}/incidents/{incident.pk}/")
        card = tab.locator("#hot-fixes")
        expect(card).to_contain_text("No hot fix recorded.")
        card.get_by_text("Record a hot fix").click()
        card.get_by_label("Change").fill(CHANGE)
        card.get_by_label("Merge back into").fill("release/2.3, release/2.2")
        card.get_by_role("button", name="Record hot fix").click()

        card = tab.locator("#hot-fixes")
        expect(card.get_by_role("link", name=CHANGE)).to_be_visible()
        expect(tab.locator("#timeline")).to_contain_text(
            f"Hot fix recorded: {CHANGE} on main, to merge back into release/2.3, release/2.2"
        )
        card.get_by_label("Merged back into release/2.3").check()
        card.locator("form", has=tab.get_by_label("Merged back into release/2.3")).get_by_role(
            "button", name="Save"
        ).click()
        expect(tab.locator("#timeline")).to_contain_text("Hot fix merged back into release/2.3")
        card = tab.locator("#hot-fixes")
        expect(card.get_by_label("Merged back into release/2.3")).to_be_checked()
        expect(card.get_by_label("Merged back into release/2.2")).not_to_be_checked()
        expect(card).to_contain_text("Done by Bob Okafor")

    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"{url}/incidents/{incident.pk}/")
        tab.get_by_label("E-mail").fill(member.email)
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        card = tab.locator("#hot-fixes")
        card.get_by_label("Merged back into release/2.2").check()
        card.locator("form", has=tab.get_by_label("Merged back into release/2.2")).get_by_role(
            "button", name="Save"
        ).click()
        expect(tab.locator("#timeline")).to_contain_text("Hot fix merged back into release/2.2")
        expect(
            tab.locator("#hot-fixes").get_by_label("Merged back into release/2.2")
        ).to_be_checked()
    finally:
        context.close()
