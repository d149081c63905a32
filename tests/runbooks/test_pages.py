"""The pages: the incident page's checklist (plain forms), the runbook pages with their
versions and diffs, and the alert catalogue."""

from django.urls import reverse

from tocsin.alerting.models import RoutingRule
from tocsin.incidents.models import Event
from tocsin.runbooks.models import Runbook, RunbookVersion, StepTick
from tocsin.runbooks.services import update_runbook

from .conftest import CHECKOUT_RUNBOOK


def _page(client, incident):
    return client.get(reverse("incident-detail", args=[incident.pk])).content.decode()


def _card(html: str) -> str:
    """The incident page's Runbook card alone."""
    start = html.index('id="runbook"')
    return html[start : html.index("</section>", start)]


def test_the_incident_page_shows_the_runbooks_steps_as_a_checklist(
    signed_in, member, checkout_runbook, alert_incident
):
    html = _page(signed_in(member), alert_incident)
    assert 'id="runbook"' in html
    assert "Checkout error rate" in html
    assert "0 of 5 done" in html
    assert _card(html).count('name="step"') == 5
    assert "Step 2 done" in html
    assert "the runbook for the alert &#x27;CheckoutErrorRate&#x27;" in html


def test_ticking_from_the_page_records_it_and_shows_who(
    signed_in, member, checkout_runbook, alert_incident
):
    client = signed_in(member)
    response = client.post(
        reverse("runbook-tick", args=[alert_incident.pk]),
        {"runbook": checkout_runbook.slug, "step": "2", "note": "rolled back the deploy"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/incidents/{alert_incident.pk}/#runbook")
    html = _page(client, alert_incident)
    assert "1 of 5 done" in html
    assert "Done by Bob Okafor" in html
    assert _card(html).count('name="note"') == 4  # the other steps can still be ticked
    assert html.count("Untick step 2") == 1  # and this one taken back
    assert "Step 2 of 5 done: rolled back the deploy" in html  # on the timeline


def test_someone_outside_the_incident_sees_the_steps_without_forms(
    signed_in, outsider, checkout_runbook, alert_incident
):
    html = _page(signed_in(outsider), alert_incident)
    assert "Roll back the latest deploy" in html
    assert 'name="step"' not in _card(html)


def test_a_refused_tick_is_403_and_changes_nothing(
    signed_in, outsider, checkout_runbook, alert_incident
):
    response = signed_in(outsider).post(
        reverse("runbook-tick", args=[alert_incident.pk]),
        {"runbook": checkout_runbook.slug, "step": "1"},
    )
    assert response.status_code == 403
    assert not StepTick.objects.exists()
    assert not alert_incident.timeline.filter(kind=Event.RUNBOOK_STEP).exists()


def test_a_tick_twice_or_out_of_range_says_why_on_the_page(
    signed_in, member, checkout_runbook, alert_incident
):
    client = signed_in(member)
    url = reverse("runbook-tick", args=[alert_incident.pk])
    client.post(url, {"runbook": checkout_runbook.slug, "step": "1"})
    response = client.post(url, {"runbook": checkout_runbook.slug, "step": "1"}, follow=True)
    assert "step 1 was already ticked by Bob Okafor" in response.content.decode()
    response = client.post(url, {"runbook": checkout_runbook.slug, "step": "9"}, follow=True)
    assert "has no step 9" in response.content.decode()
    response = client.post(url, {"runbook": checkout_runbook.slug, "step": "two"}, follow=True)
    assert "step: Enter a whole number." in response.content.decode()
    assert StepTick.objects.count() == 1


def test_an_incident_without_a_runbook_says_so(signed_in, member, incident):
    html = _page(signed_in(member), incident)
    assert "No runbook for this incident." in html


def test_a_lead_writes_a_runbook_on_the_web(signed_in, lead, checkout):
    client = signed_in(lead)
    assert client.get(reverse("runbook-create")).status_code == 200
    response = client.post(
        reverse("runbook-create"),
        {
            "name": "Checkout error rate",
            "body": CHECKOUT_RUNBOOK,
            "services": [checkout.pk],
            "alert_names": "CheckoutErrorRate\n\nCheckoutLatency\n",
        },
    )
    assert response.status_code == 302
    runbook = Runbook.objects.get()
    assert response["Location"] == reverse("runbook-detail", args=[runbook.slug])
    assert sorted(runbook.alerts.values_list("alert_name", flat=True)) == [
        "CheckoutErrorRate",
        "CheckoutLatency",
    ]
    html = client.get(response["Location"]).content.decode()
    assert "5 steps" in html
    assert "<strong>Checkout</strong>" in html


def test_a_refused_form_comes_back_with_the_error_and_writes_nothing(signed_in, lead, checkout):
    response = signed_in(lead).post(
        reverse("runbook-create"),
        {"name": "Vague", "body": "just text", "services": [checkout.pk]},
    )
    assert response.status_code == 422
    assert "the body has no numbered steps" in response.content.decode()
    assert not Runbook.objects.exists()


def test_a_member_may_read_but_is_not_offered_the_forms(signed_in, member, checkout_runbook):
    client = signed_in(member)
    detail = client.get(reverse("runbook-detail", args=[checkout_runbook.slug])).content.decode()
    assert "Roll back the latest deploy" in detail
    assert reverse("runbook-edit", args=[checkout_runbook.slug]) not in detail
    assert client.get(reverse("runbook-edit", args=[checkout_runbook.slug])).status_code == 403
    assert client.get(reverse("runbook-create")).status_code == 403
    response = client.post(
        reverse("runbook-edit", args=[checkout_runbook.slug]),
        {"name": "Mine", "body": "1. Panic"},
    )
    assert response.status_code == 403
    assert Runbook.objects.get().name == "Checkout error rate"
    assert RunbookVersion.objects.count() == 1


def test_the_versions_page_shows_each_edit_with_its_diff(signed_in, lead, checkout_runbook):
    body = CHECKOUT_RUNBOOK.replace("Roll back the latest deploy", "Roll back the <b>deploy</b>")
    update_runbook(runbook=checkout_runbook, by=lead, body=body)
    html = (
        signed_in(lead)
        .get(reverse("runbook-versions", args=[checkout_runbook.slug]))
        .content.decode()
    )
    assert html.index("Version 2") < html.index("Version 1")
    assert '<span class="diff-removed">-2. Roll back the latest deploy</span>' in html
    assert '<span class="diff-added">+2. Roll back the &lt;b&gt;deploy&lt;/b&gt;</span>' in html
    assert "Alice Novak" in html


def test_the_runbook_body_is_sanitised_on_its_page(signed_in, admin):
    client = signed_in(admin)
    client.post(
        reverse("runbook-create"),
        {"name": "Sneaky", "body": "1. <img src=x onerror=alert(1)> [x](javascript:alert(1))"},
    )
    html = client.get(reverse("runbook-detail", args=["sneaky"])).content.decode()
    assert "<img" not in html
    assert 'href="javascript' not in html


def test_an_external_runbook_is_linked_from_the_incident_page(signed_in, member, fire, payments):
    RoutingRule.objects.create(
        name="Checkout", team=payments, runbook_url="https://wiki.example.org/checkout"
    )
    html = _page(signed_in(member), fire().incident)
    assert '<a href="https://wiki.example.org/checkout" rel="noopener noreferrer"' in html
    assert 'name="step"' not in _card(html)
