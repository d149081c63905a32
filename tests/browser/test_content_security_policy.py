"""Every page works under Tocsin's Content-Security-Policy in a real Chromium: the browser
reports no violation, on the sign-in page, the signed-in pages, the admin and the API docs."""

import pytest

from tests.support.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The browser fires this event for every blocked load, inline script or style; the page keeps
# them where the test can read them. (Playwright's init scripts are not subject to the CSP.)
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def watched(tab):
    """The tab, with every CSP complaint it meets collected in `tab.complaints`."""
    tab.complaints = []
    tab.add_init_script(RECORD_VIOLATIONS)

    def on_console(message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            tab.complaints.append(f"console: {message.text}")

    tab.on("console", on_console)
    return tab


def visit(tab, url) -> None:
    response = tab.goto(url)
    assert response.status < 400, url
    assert "default-src 'self'" in response.headers["content-security-policy"], url
    tab.wait_for_load_state("load")
    tab.complaints += [f"{url}: {v}" for v in tab.evaluate("window.__violations")]


def test_no_page_breaks_the_content_security_policy(
    watched, live_server, admin, incident, policy, primary
):
    from playwright.sync_api import expect

    base = live_server.url
    visit(watched, f"{base}/login/")
    sign_in(watched, base, admin.email)

    for path in [
        "/incidents/",
        "/incidents/new/",
        "/alerts/",
        "/alerting/rules/",
        "/maintenance/",
        "/integrations/",
        "/integrations/new/",
        "/schedules/",
        f"/schedules/{primary.pk}/",
        "/oncall/policies/",
        "/oncall/who-gets-paged/",
        "/webhooks/",
        "/teams/",
        "/teams/payments/",
        "/profile/",
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{admin.pk}/change/",
    ]:
        visit(watched, f"{base}{path}")

    visit(watched, f"{base}/incidents/{incident.pk}/")
    # The live refresh, Tocsin's script, fetches the incident again and swaps it in.
    with watched.expect_response(lambda r: r.url.endswith("/live/"), timeout=15_000):
        pass
    watched.complaints += [f"live: {v}" for v in watched.evaluate("window.__violations")]

    # Swagger UI, from ninja's own static files.
    visit(watched, f"{base}/api/v1/docs")
    # It renders the whole OpenAPI document (165 operations) first: give a busy machine time.
    expect(watched.locator(".swagger-ui .info")).to_be_visible(timeout=60_000)
    watched.complaints += [f"docs: {v}" for v in watched.evaluate("window.__violations")]

    assert watched.complaints == []

    # The severity colours are inline style attributes, which the policy allows.
    watched.goto(f"{base}/incidents/{incident.pk}/")
    badge = watched.locator(".severity").first
    assert badge.evaluate("e => getComputedStyle(e).getPropertyValue('--sev-bg').trim()")
