"""The post-mortem page and runbooks: "Update this runbook" when the incident has one opens an
action item of that kind, prefilled; an alert that fired without a runbook makes it suggest an
"Add runbook" action item, one click to create."""

from tests.support.web import page_text
from tocsin.postincident.actions.models import ActionItem, ActionKind


def detail(postmortem):
    return f"/postmortems/{postmortem.pk}/"


def test_update_this_runbook_opens_a_prefilled_item(
    checkout_runbook, alerted_postmortem, signed_in, bob
):
    client = signed_in(bob)
    page = client.get(detail(alerted_postmortem)).content.decode()
    assert 'href="?kind=update_runbook#action-items"' in page
    assert "Update this runbook" in page
    page = client.get(detail(alerted_postmortem) + "?kind=update_runbook").content.decode()
    assert 'value="Update runbook Checkout error rate"' in page
    assert '<option value="update_runbook" selected>' in page
    assert f'name="runbook" value="{checkout_runbook.pk}"' in page
    assert "fired without a runbook" not in page  # it has one
    response = client.post(
        f"/postmortems/{alerted_postmortem.pk}/action-items/",
        {
            "kind": "update_runbook",
            "title": "Update runbook CheckoutErrorRate: step 3 is wrong",
            "owner": bob.pk,
            "due_on": "2026-12-11",
            "priority": "medium",
            "runbook": checkout_runbook.pk,
        },
    )
    assert response.status_code == 302, page_text(response)
    item = ActionItem.objects.get()
    assert item.kind == ActionKind.UPDATE_RUNBOOK and item.runbook == checkout_runbook
    assert item.postmortem == alerted_postmortem


def test_an_alert_without_runbook_suggests_one_click_add_runbook(
    alerted_postmortem, signed_in, bob
):
    client = signed_in(bob)
    text = page_text(client.get(detail(alerted_postmortem)))
    assert "The alert CheckoutErrorRate fired without a runbook." in text
    assert "Update this runbook" not in text
    response = client.post(
        f"/postmortems/{alerted_postmortem.pk}/action-items/add-runbook/",
        {"alert": "CheckoutErrorRate"},
    )
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert item.kind == ActionKind.ADD_RUNBOOK
    assert item.title == "Add a runbook for CheckoutErrorRate"
    assert item.owner == bob and item.due_on.isoformat() == "2026-12-18"
    # Suggested once: not again once the item exists, and a second click adds nothing.
    assert "fired without a runbook" not in page_text(client.get(detail(alerted_postmortem)))
    client.post(
        f"/postmortems/{alerted_postmortem.pk}/action-items/add-runbook/",
        {"alert": "CheckoutErrorRate"},
    )
    assert ActionItem.objects.count() == 1


def test_an_alert_name_not_of_the_incident_adds_nothing(alerted_postmortem, signed_in, bob):
    signed_in(bob).post(
        f"/postmortems/{alerted_postmortem.pk}/action-items/add-runbook/", {"alert": "Other"}
    )
    assert not ActionItem.objects.exists()


def test_who_may_not_add_is_offered_nothing_and_refused(alerted_postmortem, signed_in, viewer):
    # A viewer outside Payments may not even see the draft.
    client = signed_in(viewer)
    assert client.get(detail(alerted_postmortem)).status_code == 403
    response = client.post(
        f"/postmortems/{alerted_postmortem.pk}/action-items/add-runbook/",
        {"alert": "CheckoutErrorRate"},
    )
    assert response.status_code == 403
    assert not ActionItem.objects.exists()


def test_a_bad_form_is_422_with_the_error_in_place(alerted_postmortem, signed_in, bob):
    response = signed_in(bob).post(
        f"/postmortems/{alerted_postmortem.pk}/action-items/",
        {
            "kind": "prevent",
            "title": "Canary",
            "owner": bob.pk,
            "due_on": "2026-12-11",
            "priority": "medium",
            "external_url": "javascript:alert(1)",
        },
    )
    assert response.status_code == 422
    assert "is not an http:// or https:// address" in page_text(response)
    assert not ActionItem.objects.exists()
