"""/api/v1/runbooks…, an incident's runbook and its ticks, /api/v1/alert-catalogue: the pages'
answers in JSON, and refusals as 4xx error bodies that change nothing."""

import pytest

from tests.support.api import assert_error
from tocsin.incidents.models import Event
from tocsin.runbooks.models import Runbook, RunbookVersion, StepTick

from .conftest import CHECKOUT_RUNBOOK


def test_a_lead_writes_a_runbook_and_reads_its_steps(api_as, lead, checkout):
    response = api_as(lead).post(
        "/runbooks",
        {
            "name": "Checkout error rate",
            "body": CHECKOUT_RUNBOOK,
            "services": ["checkout"],
            "alert_names": ["CheckoutErrorRate"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "checkout-error-rate"
    assert body["version"] == 1
    assert [s["number"] for s in body["steps"]] == [1, 2, 3, 4, 5]
    assert body["steps"][1]["text"] == "Roll back the latest deploy"
    assert "<strong>Checkout</strong>" in body["html"]
    assert body["services"] == [{"slug": "checkout", "name": "Checkout"}]
    assert api_as(lead).get("/runbooks").json()[0]["alert_names"] == ["CheckoutErrorRate"]


def test_an_edit_answers_the_new_version_and_its_diff(api_as, lead, checkout_runbook):
    response = api_as(lead).patch(f"/runbooks/{checkout_runbook.slug}", {"body": "1. Roll back"})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    versions = api_as(lead).get(f"/runbooks/{checkout_runbook.slug}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["author"] == "Alice Novak"
    assert "+1. Roll back" in versions[0]["diff"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field", "message"),
    [
        ({"name": "X", "body": "no steps", "services": ["checkout"]}, 422, "validation_failed",
         "body", "no numbered steps"),
        ({"name": "X", "body": "1. a", "services": ["nope"]}, 422, "validation_failed",
         "services", "unknown service 'nope'"),
        ({"name": "X", "body": "1. a", "rules": [999]}, 422, "validation_failed", "rules",
         "no routing rule 999"),
        ({"name": "X", "body": "1. a", "colour": "red"}, 422, "validation_failed", "colour",
         "unknown field 'colour'"),
        ({"name": "X", "body": "1. a"}, 403, "permission_denied", "services", "only an admin"),
    ],
)  # fmt: skip
def test_a_bad_runbook_is_refused_and_nothing_is_written(
    api_as, lead, checkout, body, status, code, field, message
):
    response = api_as(lead).post("/runbooks", body)
    assert_error(response, status, code, field=field, message_contains=message)
    assert not Runbook.objects.exists()
    assert not RunbookVersion.objects.exists()


def test_a_member_may_read_but_not_change_a_runbook(api_as, member, checkout_runbook):
    client = api_as(member)
    assert client.get(f"/runbooks/{checkout_runbook.slug}").status_code == 200
    response = client.patch(f"/runbooks/{checkout_runbook.slug}", {"body": "1. Panic"})
    assert_error(response, 403, "permission_denied", field="services")
    assert RunbookVersion.objects.count() == 1


def test_null_and_unknown_runbooks_are_refused(api_as, lead, checkout_runbook):
    response = api_as(lead).patch(f"/runbooks/{checkout_runbook.slug}", {"body": None})
    assert_error(response, 422, "validation_failed", field="body")
    assert_error(api_as(lead).get("/runbooks/nope"), 404, "not_found", message_contains="nope")
    assert RunbookVersion.objects.count() == 1


def test_the_incidents_runbook_is_ticked_over_the_api(
    api_as, member, checkout_runbook, alert_incident
):
    ref = alert_incident.reference
    client = api_as(member)
    response = client.post(f"/incidents/{ref}/runbook/ticks", {"step": 2, "note": "rolled back"})
    assert response.status_code == 201, response.content
    assert response.json()["by"] == "Bob Okafor"
    state = client.get(f"/incidents/{ref}/runbook").json()
    assert state["runbook"]["slug"] == "checkout-error-rate"
    assert state["why"] == "the runbook for the alert 'CheckoutErrorRate'"
    assert [bool(s["done"]) for s in state["steps"]] == [False, True, False, False, False]
    event = alert_incident.timeline.get(kind=Event.RUNBOOK_STEP)
    assert (event.message, event.via) == ("Step 2 of 5 done: rolled back", "api")


def test_ticking_twice_or_without_the_right_is_refused(
    api_as, member, outsider, checkout_runbook, alert_incident
):
    ref = alert_incident.reference
    api_as(member).post(f"/incidents/{ref}/runbook/ticks", {"step": 1})
    response = api_as(member).post(f"/incidents/{ref}/runbook/ticks", {"step": 1})
    assert_error(response, 409, "conflict", field="step", message_contains="already ticked")
    response = api_as(outsider).post(f"/incidents/{ref}/runbook/ticks", {"step": 2})
    assert_error(response, 403, "permission_denied")
    response = api_as(member).post(f"/incidents/{ref}/runbook/ticks", {"step": 0})
    assert_error(response, 422, "validation_failed", field="step")
    response = api_as(member).post(f"/incidents/{ref}/runbook/ticks", {"step": 2, "runbook": "x"})
    assert_error(response, 422, "validation_failed", field="runbook")
    assert StepTick.objects.count() == 1
    assert alert_incident.timeline.filter(kind=Event.RUNBOOK_STEP).count() == 1


def test_an_incident_without_a_runbook_has_none_to_tick(api_as, member, incident):
    state = api_as(member).get(f"/incidents/{incident.reference}/runbook").json()
    assert state == {"runbook": None, "why": "", "external_url": "", "steps": []}
    response = api_as(member).post(f"/incidents/{incident.reference}/runbook/ticks", {"step": 1})
    assert_error(response, 422, "validation_failed", field="runbook", message_contains="no runbook")


def test_the_alert_catalogue_over_the_api(api_as, viewer, fire, checkout_runbook, alert_incident):
    fire("DiskFull")
    client = api_as(viewer)
    entries = {e["alert_name"]: e for e in client.get("/alert-catalogue").json()}
    assert entries["CheckoutErrorRate"]["runbook"] == "checkout-error-rate"
    assert entries["CheckoutErrorRate"]["incidents"] == [alert_incident.reference]
    assert entries["DiskFull"]["missing_runbook"] is True
    missing = client.get("/alert-catalogue", missing="true").json()
    assert [e["alert_name"] for e in missing] == ["DiskFull"]
    for bad in ("x", "0", str(2**63), "-184404266941390098967686960644096"):
        response = client.get("/alert-catalogue", integration=bad)
        assert_error(response, 422, "validation_failed", field="integration")
