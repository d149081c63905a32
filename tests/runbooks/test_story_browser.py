"""The runbook story in a real Chromium: Bob opens the incident the alert CheckoutErrorRate
opened, sees its runbook's steps as a checklist, ticks them as he goes, each tick on the
timeline; the same works with JavaScript switched off, and so does taking a tick back."""

import pytest

from tests.support.browser import new_page, sign_in
from tests.support.people import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_bob_ticks_the_runbooks_steps_from_the_incident_page(
    browser, live_server, member, checkout_runbook, alert_incident
):
    from playwright.sync_api import expect

    url = live_server.url
    with new_page(browser) as tab:
        sign_in(tab, url, member.email)
        tab.goto(f"{url}/incidents/{alert_incident.pk}/")
        card = tab.locator("#runbook")
        expect(card.get_by_role("link", name="Checkout error rate")).to_be_visible()
        expect(card).to_contain_text("0 of 5 done")
        expect(card.locator("ol > li")).to_have_count(5)

        card.get_by_label("What you did for step 1").fill("error rate at 6%")
        card.get_by_role("button", name="Step 1 done").click()
        expect(card).to_contain_text("1 of 5 done")
        expect(card).to_contain_text("Done by Bob Okafor")
        expect(card.get_by_role("button", name="Step 1 done")).to_have_count(0)

        card.get_by_label("What you did for step 2").fill("rolled back the deploy")
        card.get_by_role("button", name="Step 2 done").click()
        expect(card).to_contain_text("2 of 5 done")
        timeline = tab.locator("#timeline")
        expect(timeline).to_contain_text("Step 2 of 5 done: rolled back the deploy")
        expect(timeline).to_contain_text("Step 1 of 5 done: error rate at 6%")

    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"{url}/incidents/{alert_incident.pk}/")
        tab.get_by_label("E-mail").fill(member.email)
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        card = tab.locator("#runbook")
        card.get_by_role("button", name="Step 3 done").click()
        expect(card).to_contain_text("3 of 5 done")
        expect(tab.locator("#timeline")).to_contain_text(
            "Step 3 of 5 done: Check the payment provider's status page"
        )
        # Ticked by mistake: taken back, and ticked again later.
        card.get_by_role("button", name="Untick step 3").click()
        expect(card).to_contain_text("2 of 5 done")
        expect(tab.locator("#timeline")).to_contain_text(
            "Step 3 of 5 unticked: Check the payment provider's status page"
        )
        expect(card.get_by_role("button", name="Untick step 3")).to_have_count(0)
        card.get_by_role("button", name="Step 3 done").click()
        expect(card).to_contain_text("3 of 5 done")
    finally:
        context.close()
