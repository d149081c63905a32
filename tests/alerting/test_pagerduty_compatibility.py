"""What PagerDuty's own clients (`pagerduty`, `pdpyras`) send and expect back, as PagerDuty
answers it: long dedup keys echoed, summaries up to 1,024 characters, change events."""

import json

import pytest
from django.test import Client

from tests.support.api import assert_error
from tests.support.intake import posted
from tests.support.samples import sample
from tocsin.alerting.models import Alert, ChangeEvent, Integration, Kind
from tocsin.incidents.models import Channel, Event, Incident, Service
from tocsin.incidents.reactions import reactions_to
from tocsin.incidents.services import cancel, declare


def enqueue(body):
    return posted(Client().post("/v2/enqueue", json.dumps(body), content_type="application/json"))


def trigger(integration, **changes):
    event = {**sample("pagerduty-events-v2-trigger.json"), "routing_key": integration.token}
    payload = {**event["payload"], **changes.pop("payload", {})}
    return {**event, "payload": payload, **changes}


@pytest.mark.parametrize("length", [201, 255])
def test_a_long_dedup_key_is_echoed_as_sent_and_stays_one_alert(events_v2, length):
    key = "k" * length
    first = enqueue(trigger(events_v2, dedup_key=key))
    assert first.status_code == 202
    assert first.json()["dedup_key"] == key
    assert enqueue(trigger(events_v2, dedup_key=key)).json()["dedup_key"] == key
    assert Alert.objects.get().count == 2
    resolved = enqueue(
        {"routing_key": events_v2.token, "event_action": "resolve", "dedup_key": key}
    )
    assert resolved.json()["dedup_key"] == key
    assert Alert.objects.get().status == "resolved"


def test_a_summary_of_1024_characters_is_kept_whole(events_v2):
    summary = "Disk almost full on db1. " + "x" * (1024 - 25)
    assert len(summary) == 1024
    assert enqueue(trigger(events_v2, payload={"summary": summary})).status_code == 202
    assert Alert.objects.get().summary == summary
    # The incident's title is shorter by design; the alert keeps every character.
    assert Incident.objects.get().title == summary[:200]


def test_a_summary_over_1024_characters_is_refused_as_pagerduty_does(events_v2):
    response = enqueue(trigger(events_v2, payload={"summary": "x" * 1025}))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "'payload.summary' is too long (maximum is 1024 characters)"
    ]
    assert not Alert.objects.exists()


def change(integration, summary="Deploy 2026.11.3 by ci", **payload):
    return {
        "routing_key": integration.token,
        "payload": {
            "summary": summary,
            "source": "ci",
            "timestamp": "2026-11-30T06:40:00Z",
            "custom_details": {"build": "2026.11.3"},
            **payload,
        },
        "links": [{"href": "https://ci.example.org/builds/2026.11.3", "text": "Build"}],
    }


def send_change(body):
    return Client().post("/v2/change/enqueue", json.dumps(body), content_type="application/json")


def test_a_change_event_is_answered_like_pagerduty_and_kept_for_its_service(events_v2, checkout):
    response = send_change(change(events_v2))
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Change event processed"}
    [kept] = ChangeEvent.objects.all()
    assert (kept.service, kept.summary, kept.source) == (checkout, "Deploy 2026.11.3 by ci", "ci")
    assert kept.occurred_at.isoformat() == "2026-11-30T06:40:00+00:00"
    assert kept.details == {"build": "2026.11.3"}
    assert kept.links == [{"href": "https://ci.example.org/builds/2026.11.3", "text": "Build"}]
    assert not Alert.objects.exists() and not Incident.objects.exists()  # a change pages nobody


def test_a_change_is_noted_on_the_open_incidents_of_its_service_only(
    events_v2, checkout, payments, lead, p1
):
    refunds = Service.objects.create(name="Refunds", slug="refunds", team=payments)
    on_checkout = declare(
        title="Checkout 502", severity=p1, team=payments, by=lead, services=[checkout]
    )
    elsewhere = declare(
        title="Refunds slow", severity=p1, team=payments, by=lead, services=[refunds]
    )
    closed = declare(title="Old", severity=p1, team=payments, by=lead, services=[checkout])
    cancel(incident=closed, by=lead, via=Channel.WEB, reason="duplicate")
    send_change(change(events_v2))
    [note] = on_checkout.timeline.filter(kind=Event.CHANGE)
    assert note.message == "Change on Checkout: Deploy 2026.11.3 by ci"
    assert note.actor is None and note.actor_name == "Nagios (PagerDuty Events v2)"
    assert not elsewhere.timeline.filter(kind=Event.CHANGE).exists()
    assert not closed.timeline.filter(kind=Event.CHANGE).exists()


def test_a_change_sends_no_webhook_and_edits_no_chat():
    assert reactions_to(Event.CHANGE) == []


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"payload": {"summary": "x"}}, 400, "'routing_key' is missing or blank"),
        ({"routing_key": "nope", "payload": {"summary": "x"}}, 404, "enabled integration"),
        ("no-payload", 400, "'payload' is missing"),
        ("no-summary", 400, "'payload.summary' is missing or blank"),
        ("long-summary", 400, "'payload.summary' is too long (maximum is 1024 characters)"),
    ],
)
def test_a_bad_change_event_is_refused_like_pagerduty_and_stores_nothing(
    events_v2, body, status, error
):
    if body == "no-payload":
        body = {"routing_key": events_v2.token}
    elif body == "no-summary":
        body = change(events_v2, summary="")
    elif body == "long-summary":
        body = change(events_v2, summary="x" * 1025)
    response = send_change(body)
    assert response.status_code == status
    assert response.json()["status"] == "invalid event"
    assert any(error in message for message in response.json()["errors"]), response.json()
    assert not ChangeEvent.objects.exists()


def test_change_events_take_only_post(events_v2):
    response = Client().get("/v2/change/enqueue")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_changes_are_listed_newest_first_and_by_service(api_as, viewer, events_v2, checkout):
    send_change(change(events_v2, summary="Deploy 1", timestamp="2026-11-30T06:00:00Z"))
    send_change(change(events_v2, summary="Deploy 2", timestamp="2026-11-30T07:00:00Z"))
    client = api_as(viewer)
    listed = client.get("/changes", service="checkout")
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert body["count"] == 2
    assert [item["summary"] for item in body["items"]] == ["Deploy 2", "Deploy 1"]
    assert body["items"][0]["service"] == {"slug": "checkout", "name": "Checkout"}
    since = client.get("/changes", since="2026-11-30T06:30:00Z").json()
    assert [item["summary"] for item in since["items"]] == ["Deploy 2"]
    assert_error(client.get("/changes", service="nope"), 422, "validation_failed", field="service")


def test_a_change_from_an_integration_without_a_service_is_noted_on_its_teams_incidents(
    payments, platform, lead, p1, severities
):
    ci = Integration.objects.create(kind=Kind.PAGERDUTY, name="CI", team=payments)
    ours = declare(title="Checkout 502", severity=p1, team=payments, by=lead)
    theirs = declare(title="DNS flapping", severity=p1, team=platform, by=lead)
    send_change(change(ci))
    [note] = ours.timeline.filter(kind=Event.CHANGE)
    assert note.message == "Change: Deploy 2026.11.3 by ci"
    assert not theirs.timeline.filter(kind=Event.CHANGE).exists()
    assert ChangeEvent.objects.get().service is None
