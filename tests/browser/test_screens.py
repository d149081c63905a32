"""What people see in a real Chromium: only the actions they may take, the incident that needs
a human on top of a long list, and a phone's folded navigation and filters."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.support.browser import new_page, sign_in
from tocsin.incidents import services
from tocsin.incidents.models import Channel, Incident, Severity

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
PHONE_SCREENSHOT = "/tmp/tocsin-phone-list.png"
PHONE_MENU_SCREENSHOT = "/tmp/tocsin-phone-menu.png"
DESK_SCREENSHOT = "/tmp/tocsin-desk-list.png"


def _action_forms(tab, incident):
    return tab.locator(f'form[action^="/incidents/{incident.pk}/"]')


def test_a_viewer_reads_an_incident_without_any_action(tab, live_server, viewer, incident):
    from playwright.sync_api import expect

    sign_in(tab, live_server.url, viewer.email)
    tab.goto(f"{live_server.url}/incidents/{incident.pk}/")

    expect(tab.get_by_role("heading", level=1)).to_contain_text("Checkout returns 502")
    expect(tab.locator(".who-may-act")).to_have_text(
        "You have read-only access: you can follow this incident but not change it."
    )
    expect(_action_forms(tab, incident)).to_have_count(0)
    expect(tab.get_by_role("button", name="Acknowledge")).to_have_count(0)
    expect(tab.get_by_role("link", name="Declare", exact=True)).to_have_count(0)


def test_an_outsider_reads_an_incident_and_is_told_who_may_act(
    tab, live_server, outsider, member, incident
):
    from playwright.sync_api import expect

    services.acknowledge(incident=incident, by=member, via=Channel.WEB)
    sign_in(tab, live_server.url, outsider.email)
    tab.goto(f"{live_server.url}/incidents/{incident.pk}/")

    expect(tab.locator(".who-may-act")).to_have_text(
        f"{incident.reference} is acknowledged: Bob Okafor owns it. Only members of Payments "
        f"and admins can work on {incident.reference}."
    )
    expect(_action_forms(tab, incident)).to_have_count(0)
    expect(tab.get_by_label("Add a note")).to_have_count(0)


def _many_incidents(lead, payments, platform, count=120):
    """`count` incidents newer than Bob's page or already in hand, across both teams."""
    now = timezone.now()
    p1, p3 = Severity.objects.get(key="P1"), Severity.objects.get(key="P3")
    rows = []
    for n in range(count):
        status = ("acknowledged", "resolved", "triggered")[n % 3]
        rows.append(
            Incident(
                title=f"Background {n}",
                severity=p1 if status != "triggered" else p3,
                team=(payments, platform)[n % 2],
                status=status,
                reported_at=now - timedelta(minutes=n % 50),
                resolved_at=now if status == "resolved" else None,
            )
        )
    Incident.objects.bulk_create(rows)
    return services.declare(
        title="Card payments failing",
        severity=p1,
        team=payments,
        by=lead,
        via=Channel.WEB,
    )


def test_the_unacknowledged_p1_is_the_first_row_of_a_long_list(
    tab, live_server, severities, lead, member, payments, platform
):
    from playwright.sync_api import expect

    bobs = _many_incidents(lead, payments, platform)
    sign_in(tab, live_server.url, member.email)

    first = tab.locator(".incident-row:not(.incident-row-head)").first
    expect(first).to_contain_text("Card payments failing")
    expect(first).to_contain_text("Triggered")
    expect(first).to_be_in_viewport()
    expect(tab.get_by_role("link", name="My teams")).to_have_attribute("aria-current", "page")
    assert bobs.reference in first.inner_text()


def test_on_a_phone_the_menu_folds_and_opens_and_the_first_incident_is_on_screen(
    browser, live_server, severities, lead, member, payments, platform
):
    from playwright.sync_api import expect

    _many_incidents(lead, payments, platform, count=30)
    with new_page(browser, **PHONE) as phone:
        sign_in(phone, live_server.url, member.email)

        expect(phone.locator(".whoami")).to_be_visible()
        expect(phone.locator(".whoami")).to_have_text("Bob Okafor")
        expect(phone.get_by_role("link", name="Declare", exact=True)).to_be_visible()
        teams = phone.get_by_role("navigation", name="Main").get_by_role("link", name="Teams")
        expect(teams).to_be_hidden()
        expect(phone.get_by_role("button", name="Sign out")).to_be_hidden()
        # The filters are folded away, so the first incident is on the first screen.
        expect(phone.get_by_label("Search")).to_be_hidden()
        first = phone.locator(".incident-row:not(.incident-row-head)").first
        expect(first).to_contain_text("Card payments failing")
        expect(first).to_be_in_viewport()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.screenshot(path=PHONE_SCREENSHOT)

        phone.get_by_text("Menu", exact=True).click()
        expect(teams).to_be_visible()
        expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
        phone.screenshot(path=PHONE_MENU_SCREENSHOT)
        assert Path(PHONE_MENU_SCREENSHOT).stat().st_size > 10_000
        teams.click()
        phone.wait_for_url(f"{live_server.url}/teams/")

        phone.goto(f"{live_server.url}/incidents/")
        phone.get_by_text("Filters", exact=True).click()
        expect(phone.get_by_label("Search")).to_be_visible()


def test_on_a_phone_the_menu_and_filters_work_without_javascript(
    browser, live_server, severities, member, incident
):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        phone = context.new_page()
        sign_in(phone, live_server.url, member.email)
        nav = phone.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Profile")).to_be_hidden()
        phone.get_by_text("Menu", exact=True).click()
        expect(nav.get_by_role("link", name="Profile")).to_be_visible()
        phone.get_by_text("Menu", exact=True).click()
        expect(nav.get_by_role("link", name="Profile")).to_be_hidden()
        expect(phone.get_by_label("Search")).to_be_hidden()
        phone.get_by_text("Filters", exact=True).click()
        expect(phone.get_by_label("Search")).to_be_visible()
    finally:
        context.close()


def test_on_a_desk_the_navigation_and_filters_are_always_open(tab, live_server, member, incident):
    from playwright.sync_api import expect

    sign_in(tab, live_server.url, member.email)

    nav = tab.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Teams")).to_be_visible()
    expect(tab.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(tab.get_by_label("Search")).to_be_visible()
    expect(tab.locator(".whoami")).to_have_text("Bob Okafor")
    tab.screenshot(path=DESK_SCREENSHOT)
