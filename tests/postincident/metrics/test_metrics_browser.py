"""The metrics page in a real Chromium with JavaScript switched off: filters, the table, the
charts drawn and readable, and the CSV downloaded."""

import pytest

from tests.postincident.metrics.conftest import RANGE
from tests.support.people import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test writes, so the data must really be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_metrics_page_works_without_javascript(browser, live_server, fixture_incidents, viewer):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        tab.goto(f"{live_server.url}/login/")
        tab.get_by_label("E-mail").fill(viewer.email)
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.get_by_role("navigation", name="Main").get_by_role("link", name="Metrics").click()
        assert tab.url == f"{live_server.url}/metrics/"

        tab.get_by_label("Group by", exact=True).select_option("service")
        tab.get_by_label("Drills", exact=True).select_option("apart")
        tab.get_by_label("From", exact=True).fill(RANGE["start"])
        tab.get_by_label("To (included)", exact=True).fill(RANGE["end"])
        tab.get_by_role("button", name="Show").click()

        table = tab.locator("table").first
        assert "Ledger" in table.inner_text()
        chart = tab.get_by_role("img", name="Time to resolve, Ledger", exact=True)
        box = chart.bounding_box()
        assert box["width"] > 100 and box["height"] > 100
        assert chart.locator("rect").count() == 2 * 1  # January: median and p90; February: none
        assert tab.get_by_role("heading", name="Drills, shown apart").is_visible()

        with tab.expect_download() as download:
            tab.get_by_role("link", name="Download CSV").click()
        lines = download.value.path().read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("period,period_start,group,group_name,drill,incidents")
        assert "2026-01,2026-01-01,ledger,Ledger,no,2,2,420,564,2,4500,6660" in lines
        assert any(",yes," in line for line in lines)  # the drill, apart
    finally:
        context.close()
