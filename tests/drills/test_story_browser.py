"""The drill in a real Chromium: Alice opens Payments' drills from the team page, starts
"Checkout 502s", lands on its report, and cancels it there."""

import pytest

from tests.support.browser import new_page, sign_in

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_alice_starts_a_drill_from_the_team_page_and_cancels_it(
    browser, live_server, lead, scenario, policy
):
    from playwright.sync_api import expect

    url = live_server.url
    with new_page(browser) as tab:
        sign_in(tab, url, lead.email)
        tab.goto(f"{url}/teams/payments/")
        tab.get_by_role("link", name="Drills").click()
        expect(tab.get_by_role("heading", name="Payments drills")).to_be_visible()
        item = tab.locator(f"#scenario-{scenario.pk}")
        expect(item).to_contain_text("Checkout 502s")

        item.get_by_role("button", name="Start drill now").click()
        expect(tab.get_by_role("heading", name="Checkout 502s")).to_be_visible()
        expect(tab.locator("body")).to_contain_text("is paging as a drill")
        expect(tab.locator("body")).to_contain_text("Running")

        tab.get_by_role("button", name="Cancel drill").click()
        expect(tab.locator("body")).to_contain_text("Cancelled by Alice Novak")
        expect(tab.get_by_role("button", name="Cancel drill")).to_have_count(0)
