"""The schedule page in a real Chromium, at desktop and phone width."""

from datetime import date, time

import pytest
import time_machine

from tests.support.browser import new_page, sign_in
from tests.support.clock import BERLIN, local, utc
from tocsin.oncall.schedules.services import add_layer, add_override

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOW = utc(2026, 11, 25, 11)  # Wednesday 12:00 in Berlin
SCREENSHOTS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def schedule(berlin, lead, member, other_member):
    add_layer(
        schedule=berlin,
        by=lead,
        name="Business hours",
        participants=[member],
        handoff_time=time(9),
        start_date=date(2026, 11, 23),
        restrict_days=[1, 2, 3, 4, 5],
        restrict_start=time(9),
        restrict_end=time(17),
    )
    add_layer(
        schedule=berlin,
        by=lead,
        name="Weekly",
        participants=[lead, other_member],
        rotation_unit="weeks",
        handoff_time=time(9),
        start_date=date(2026, 11, 23),
        restrict_days=[1, 2, 3, 4, 5, 6],
    )
    add_override(
        schedule=berlin,
        user=other_member,
        starts_at=local(BERLIN, 2026, 11, 27, 18, 0),
        ends_at=local(BERLIN, 2026, 11, 28, 9, 0),
        by=lead,
        reason="Friday swap",
    )
    return berlin


@pytest.mark.parametrize("size", sorted(SCREENSHOTS))
def test_the_schedule_page_reads_at_desktop_and_phone_width(
    browser,
    live_server,
    schedule,
    member,
    size,
):
    from playwright.sync_api import expect

    width, height = SCREENSHOTS[size]
    with new_page(browser, width=width, height=height) as page, time_machine.travel(NOW, tick=True):
        sign_in(page, live_server.url, member.email)
        page.goto(f"{live_server.url}/schedules/{schedule.pk}/")

        expect(page.get_by_role("heading", name="On call now")).to_be_visible()
        expect(page.locator(".oc-current-who")).to_contain_text("Bob Okafor")
        expect(page.locator(".oc-day")).to_have_count(14)
        expect(page.locator(".oc-day.has-gap").first).to_be_visible()
        # Nothing sticks out sideways on a phone.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        page.screenshot(path=f"/tmp/tocsin-schedule-{size}.png", full_page=True)
        page.screenshot(path=f"/tmp/tocsin-schedule-{size}-top.png")


def test_a_lead_adds_a_layer_in_the_browser(tab, live_server, berlin, lead, member):
    from playwright.sync_api import expect

    sign_in(tab, live_server.url, lead.email)
    tab.goto(f"{live_server.url}/schedules/")
    tab.get_by_role("link", name="Payments Europe/Berlin").click()
    tab.get_by_role("link", name="Add layer").first.click()

    tab.get_by_label("People, in rotation order").fill("alice@example.com\nbob@example.com")
    tab.get_by_label("Handoff time").fill("09:00")
    tab.get_by_label("First handoff on").fill("2026-11-23")
    tab.get_by_label("Mon").check()
    tab.get_by_label("Tue").check()
    tab.screenshot(path="/tmp/tocsin-layer-form.png", full_page=True)
    tab.get_by_role("button", name="Add layer").click()

    expect(tab.locator(".messages")).to_contain_text("Layer Primary added.")
    expect(tab.locator(".oc-layer")).to_contain_text("Only Mon–Tue")
    tab.goto(f"{live_server.url}/schedules/")
    tab.screenshot(path="/tmp/tocsin-schedule-list.png", full_page=True)
