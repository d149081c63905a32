"""Scenarios: written by a team's leads and admins, their payload read by their integration's
own parser when saved; a payload it refuses is a clear 422 (API) or form error, and nothing is
saved. Changing, deleting (past drills stay)."""

import pytest
from django.urls import reverse

from tests.support.web import form_errors
from tocsin.alerting.models import Integration, Kind
from tocsin.drills.models import DrillRun, RunStatus, Scenario
from tocsin.drills.services import (
    create_scenario,
    delete_scenario,
    start_drill,
    update_scenario,
)
from tocsin.errors import Conflict, ValidationFailed
from tocsin.incidents.models import Channel
from tocsin.incidents.services import resolve

pytestmark = pytest.mark.django_db


def _rows():
    return list(Scenario.objects.values_list("id", "title", "payload"))


def _api_body(prometheus, alertmanager_body, **more):
    return {
        "title": "Checkout 502s",
        "severity": "P1",
        "service": "checkout",
        "integration": prometheus.pk,
        "payload": alertmanager_body,
        **more,
    }


def test_a_lead_writes_a_scenario_through_the_api(
    api_as, lead, prometheus, checkout, alertmanager_body
):
    response = api_as(lead).post(
        "/teams/payments/drill-scenarios", _api_body(prometheus, alertmanager_body)
    )

    assert response.status_code == 201, response.content
    body = response.json()
    scenario = Scenario.objects.get()
    assert body["id"] == scenario.pk
    assert (body["title"], body["severity"], body["service"]) == ("Checkout 502s", "P1", "checkout")
    assert body["integration"] == {
        "id": prometheus.pk,
        "name": "Prometheus",
        "kind": "alertmanager",
    }
    assert body["payload"] == alertmanager_body == scenario.payload
    listed = api_as(lead).get("/teams/payments/drill-scenarios").json()
    assert [s["title"] for s in listed] == ["Checkout 502s"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"receiver": "x"},
            "the payload is not what Prometheus Alertmanager sends: 'alerts' is missing",
        ),
        (
            {"alerts": [{"status": "burning", "labels": {"alertname": "X"}}]},
            "the payload is not what Prometheus Alertmanager sends: 'alerts[0].status' must be "
            "'firing' or 'resolved', not 'burning'",
        ),
        (
            {"alerts": [{"status": "resolved", "labels": {"alertname": "X"}}]},
            "the payload holds no firing alert for Prometheus Alertmanager: a drill needs one "
            "to open its incident",
        ),
    ],
)
def test_a_payload_the_integrations_parser_refuses_is_a_422_and_nothing_is_saved(
    api_as, lead, prometheus, checkout, alertmanager_body, payload, message
):
    response = api_as(lead).post(
        "/teams/payments/drill-scenarios", _api_body(prometheus, alertmanager_body, payload=payload)
    )

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["field"] == "payload"
    assert error["message"].startswith(message), error["message"]
    assert _rows() == []


def test_a_payload_refused_on_the_form_shows_the_parsers_error_and_saves_nothing(
    signed_in, lead, payments, prometheus, p1, checkout
):
    response = signed_in(lead).post(
        reverse("drill-scenario-create", args=[payments.slug]),
        {
            "title": "Checkout 502s",
            "severity": p1.pk,
            "service": checkout.pk,
            "integration": prometheus.pk,
            "payload": '{"alerts": "none"}',
        },
    )

    assert response.status_code == 422
    [error] = form_errors(response)
    assert "the payload is not what Prometheus Alertmanager sends" in error
    assert "'alerts'" in error
    assert _rows() == []


def test_text_that_is_not_json_is_a_form_error(signed_in, lead, payments, prometheus, p1):
    response = signed_in(lead).post(
        reverse("drill-scenario-create", args=[payments.slug]),
        {"title": "T", "severity": p1.pk, "integration": prometheus.pk, "payload": "{nope"},
    )

    assert response.status_code == 422
    assert any("The payload is not JSON" in e for e in form_errors(response))
    assert _rows() == []


def test_a_scenario_is_written_on_the_form(
    signed_in, lead, payments, prometheus, p1, checkout, alertmanager_body
):
    import json

    response = signed_in(lead).post(
        reverse("drill-scenario-create", args=[payments.slug]),
        {
            "title": "Checkout 502s",
            "severity": p1.pk,
            "service": checkout.pk,
            "integration": prometheus.pk,
            "payload": json.dumps(alertmanager_body),
            "description": "Practise it",
        },
    )

    assert response.status_code == 302
    scenario = Scenario.objects.get()
    assert (scenario.severity, scenario.service, scenario.payload) == (
        p1,
        checkout,
        alertmanager_body,
    )


def test_another_teams_integration_is_refused(lead, payments, platform, p1, alertmanager_body):
    theirs = Integration.objects.create(kind=Kind.ALERTMANAGER, name="Theirs", team=platform)
    with pytest.raises(ValidationFailed, match="Theirs belongs to Platform, not Payments"):
        create_scenario(
            team=payments,
            title="X",
            severity=p1,
            integration=theirs,
            payload=alertmanager_body,
            by=lead,
        )
    assert _rows() == []


def test_a_generic_integration_reads_its_own_shape(lead, payments, p1):
    generic = Integration.objects.create(kind=Kind.GENERIC, name="Scripts", team=payments)
    with pytest.raises(ValidationFailed) as refused:
        create_scenario(
            team=payments,
            title="X",
            severity=p1,
            integration=generic,
            payload={"alerts": [{"status": "firing"}]},
            by=lead,
        )
    assert refused.value.field == "payload"
    assert "Generic JSON" in refused.value.message
    assert _rows() == []


def test_changing_the_payload_is_parsed_again(scenario, lead):
    with pytest.raises(ValidationFailed, match="'alerts' is missing"):
        update_scenario(scenario=scenario, by=lead, payload={"oops": 1})
    scenario.refresh_from_db()
    assert scenario.payload["alerts"][0]["labels"]["alertname"] == "DiskFull"

    update_scenario(scenario=scenario, by=lead, title="Checkout 503s")
    scenario.refresh_from_db()
    assert scenario.title == "Checkout 503s"


def test_the_api_changes_and_deletes_a_scenario(api_as, lead, scenario):
    api = api_as(lead)
    response = api.patch(f"/drill-scenarios/{scenario.pk}", {"payload": {"receiver": "x"}})
    assert response.status_code == 422 and response.json()["error"]["field"] == "payload"
    response = api.patch(f"/drill-scenarios/{scenario.pk}", {"severity": "P2", "service": None})
    assert response.status_code == 200, response.content
    assert (response.json()["severity"], response.json()["service"]) == ("P2", None)

    assert api.delete(f"/drill-scenarios/{scenario.pk}").status_code == 204
    assert _rows() == []


def test_deleting_a_scenario_keeps_its_drills_and_waits_for_a_running_one(
    scenario, policy, lead, member
):
    run = start_drill(scenario=scenario, by=lead)
    with pytest.raises(Conflict, match="is running: cancel it first"):
        delete_scenario(scenario=scenario, by=lead)
    resolve(incident=run.incident, by=member, via=Channel.WEB, resolution="Done")

    delete_scenario(scenario=scenario, by=lead)

    run = DrillRun.objects.get()
    assert (run.scenario, run.scenario_title, run.status) == (
        None,
        "Checkout 502s",
        RunStatus.FINISHED,
    )


def test_a_payload_with_a_nul_character_is_refused(api_as, lead, prometheus, alertmanager_body):
    alertmanager_body["alerts"][0]["annotations"]["summary"] = "Disk\x00full"
    response = api_as(lead).post(
        "/teams/payments/drill-scenarios",
        {
            "title": "T",
            "severity": "P1",
            "integration": prometheus.pk,
            "payload": alertmanager_body,
        },
    )
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "validation_failed",
        "message": "the payload must not contain NUL characters",
        "field": "payload",
    }
    assert _rows() == []
