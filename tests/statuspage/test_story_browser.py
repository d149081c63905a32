"""The status page's whole story in a real Chromium: set up, publish from the incident, update,
resolve in one click; read by visitors on a desk, on a phone, and without JavaScript."""

import colorsys
import re

import pytest

from tests.support.browser import new_page, sign_in

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
STATUSES = "operational|degraded_performance|partial_outage|major_outage|under_maintenance"

# The status class of the nearest element around a component's name that carries one, and the
# colours it is drawn in.
COMPONENT_STATUS = """(name) => {
  const pattern = /\\bstatus-(STATUSES)\\b/;
  const named = [...document.querySelectorAll('body *')].filter(
    (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() === name));
  for (const el of named) {
    for (let node = el, up = 0; node && up < 6; node = node.parentElement, up++) {
      const marked = pattern.test(node.className) ? node
        : [...node.querySelectorAll('[class*="status-"]')].find((c) => pattern.test(c.className));
      if (marked) {
        const style = getComputedStyle(marked);
        return {status: marked.className.match(pattern)[1],
                colours: [style.color, style.backgroundColor, style.borderLeftColor,
                          style.borderColor, style.fill]};
      }
    }
  }
  return null;
}""".replace("STATUSES", STATUSES)


def _is_orange(css: str) -> bool:
    numbers = re.findall(r"[\d.]+", css)
    if len(numbers) < 3 or (len(numbers) > 3 and float(numbers[3]) == 0):
        return False
    r, g, b = (float(n) / 255 for n in numbers[:3])
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    return 15 <= hue * 360 <= 45 and saturation > 0.5 and 0.25 < lightness < 0.8


def _component(tab, name: str) -> dict:
    found = tab.evaluate(COMPONENT_STATUS, name)
    assert found, f"no status shown for {name}"
    return found


def _read_public_page(tab, url: str):
    tab.goto(f"{url}/status/")
    return tab.inner_text("body")


def _fits_the_screen(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_status_page_story(browser, live_server, admin, lead, incident, card_processing):
    from playwright.sync_api import expect

    url = live_server.url

    # An admin sets up the components in groups, links them to services and orders them.
    with new_page(browser) as tab:
        sign_in(tab, url, admin.email)
        tab.get_by_role("navigation", name="Main").get_by_role("link", name="Status page").click()
        tab.get_by_role("navigation", name="Status page").get_by_role(
            "link", name="Components"
        ).click()
        for group in ("Payments", "Platform"):
            form = tab.locator("#new-group")
            form.get_by_label("Name").fill(group)
            form.get_by_role("button", name="Add group").click()
            expect(tab.get_by_role("status")).to_contain_text(f"Group {group} added")
        for name, group, service in [
            ("Card processing", "Payments", "Card processing (Payments)"),
            ("Checkout", "Payments", "Checkout (Payments)"),
            ("API", "Platform", None),
        ]:
            form = tab.locator("#new-component")
            form.get_by_label("Name", exact=True).fill(name)
            form.get_by_label("Group").select_option(label=group)
            if service:
                form.get_by_label(service).check()
            form.get_by_role("button", name="Add component").click()
            expect(tab.get_by_role("status")).to_contain_text(f"Component {name} added")
        tab.get_by_role("button", name="Move Checkout up").click()
        payments = tab.get_by_role("region", name="Payments")
        expect(payments.locator("tbody tr td:first-child")).to_have_text(
            ["Checkout", "Card processing"]
        )

    # INC "Checkout returns 502" is open; its commander publishes it from the incident page.
    with new_page(browser) as tab:
        sign_in(tab, url, lead.email)
        tab.goto(f"{url}/incidents/{incident.pk}/")
        card = tab.locator("#status-page")
        expect(card).to_contain_text("Not on Status")
        # P1 proposes a major outage for the component of the incident's service.
        expect(card.get_by_label("Checkout")).to_have_value("major_outage")
        expect(card.get_by_label("Card processing")).to_have_value("")
        expect(card.get_by_label("Name")).to_have_value("Checkout returns 502")
        card.get_by_label("Checkout").select_option("partial_outage")
        card.get_by_label("First update").fill("Investigating: some customers cannot pay")
        card.get_by_role("button", name="Publish to status page").click()
        expect(tab.get_by_role("status")).to_contain_text("is on Status")
        expect(card.locator(".public-state")).to_contain_text("Investigating")
        expect(card.get_by_role("link", name="Public page")).to_be_visible()
        expect(card.get_by_role("link", name="Manage")).to_be_visible()
        expect(tab.locator(".timeline")).to_contain_text("Published to the status page")

        # A visitor on a desk.
        with new_page(browser) as visitor:
            text = _read_public_page(visitor, url)
            assert "Partial outage" in text
            assert text.index("Partial outage") < text.index("Card processing")
            checkout = _component(visitor, "Checkout")
            assert checkout["status"] == "partial_outage"
            assert any(_is_orange(colour) for colour in checkout["colours"]), checkout
            assert _component(visitor, "Card processing")["status"] == "operational"
            assert "Checkout returns 502" in text
            assert "Investigating: some customers cannot pay" in text

        # The team posts updates as they go, one of them from a browser without JavaScript.
        card.get_by_label("Status", exact=True).select_option("identified")
        card.get_by_label("Update", exact=True).fill("Identified: release 812 broke the gateway.")
        card.get_by_role("button", name="Post update").click()
        expect(tab.get_by_role("status")).to_contain_text("Update posted")
        expect(card.locator(".public-state")).to_contain_text("Identified")

    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        phone = context.new_page()
        sign_in(phone, url, lead.email)
        phone.goto(f"{url}/incidents/{incident.pk}/")
        card = phone.locator("#status-page")
        card.get_by_label("Status", exact=True).select_option("monitoring")
        card.get_by_label("Update", exact=True).fill("Monitoring: rolled back to release 811.")
        card.get_by_label("Checkout").select_option("degraded_performance")
        card.get_by_role("button", name="Post update").click()
        expect(phone.get_by_role("status")).to_contain_text("Update posted")
        expect(card.locator(".public-state")).to_contain_text("Monitoring")
    finally:
        context.close()

    # A visitor on a phone, without JavaScript, reads every update so far.
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        visitor = context.new_page()
        text = _read_public_page(visitor, url)
        for said in (
            "Investigating: some customers cannot pay",
            "Identified: release 812 broke the gateway.",
            "Monitoring: rolled back to release 811.",
        ):
            assert said in text
        assert _component(visitor, "Checkout")["status"] == "degraded_performance"
        assert _fits_the_screen(visitor)
    finally:
        context.close()

    # The incident is resolved inside; the incident page asks, one click does both.
    with new_page(browser) as tab:
        sign_in(tab, url, lead.email)
        tab.goto(f"{url}/incidents/{incident.pk}/")
        tab.get_by_text("Resolve", exact=True).click()
        tab.get_by_label("Resolution").fill("Release 812 rolled back; payments work again.")
        tab.get_by_role("button", name=f"Resolve {incident.reference}").click()
        card = tab.locator("#status-page")
        expect(card).to_contain_text(
            "Resolve the public incident and set its components back to Operational?"
        )
        expect(card.get_by_label("Last update")).to_have_value(
            "Release 812 rolled back; payments work again."
        )
        card.get_by_role("button", name="Resolve and set components operational").click()
        expect(tab.get_by_role("status")).to_contain_text("components are back")
        expect(card.locator(".public-state")).to_contain_text("Resolved")
        expect(card).not_to_contain_text("Resolve the public incident")

    for viewport in ({"width": 1280, "height": 900}, PHONE):
        context = browser.new_context(viewport=viewport, java_script_enabled=False)
        try:
            visitor = context.new_page()
            text = _read_public_page(visitor, url)
            assert "Partial outage" not in text.split("Checkout returns 502")[0]
            assert _component(visitor, "Checkout")["status"] == "operational"
            assert "Release 812 rolled back; payments work again." in text
            assert _fits_the_screen(visitor)
        finally:
            context.close()
