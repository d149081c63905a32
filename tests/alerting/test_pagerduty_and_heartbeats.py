"""A PagerDuty client works by changing only its URL; heartbeats open and close incidents."""

import json
from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from tests.support.intake import posted
from tests.support.samples import sample, sample_bytes
from tocsin.alerting.heartbeats import check_heartbeats
from tocsin.alerting.models import Alert, AlertEvent
from tocsin.incidents.models import Event, Incident, Status


def enqueue(body):
    return posted(Client().post("/v2/enqueue", json.dumps(body), content_type="application/json"))


def with_key(name, integration):
    return {**sample(name), "routing_key": integration.token}


def test_a_trigger_is_answered_exactly_like_pagerduty(events_v2):
    response = enqueue(with_key("pagerduty-events-v2-trigger.json", events_v2))
    assert response.status_code == 202
    assert response.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "srv01/mysql",
    }
    incident = Incident.objects.get()
    assert incident.severity.key == "P1"  # PagerDuty critical → P1
    assert incident.title == "DISK at 99% on machine prod-datapipe03.example.com"


def test_acknowledge_and_resolve_events_act_on_the_incident(events_v2):
    trigger = with_key("pagerduty-events-v2-trigger.json", events_v2)
    enqueue(trigger)
    ack = {
        "routing_key": events_v2.token,
        "dedup_key": "srv01/mysql",
        "event_action": "acknowledge",
    }
    assert enqueue(ack).status_code == 202
    incident = Incident.objects.get()
    assert incident.status == Status.ACKNOWLEDGED
    resolve = {**ack, "event_action": "resolve"}
    assert enqueue(resolve).status_code == 202
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.timeline.get(kind=Event.RESOLVED).actor_name == "Nagios (PagerDuty Events v2)"


def test_alertmanagers_pagerduty_receiver_works_unchanged(events_v2):
    enqueue(with_key("pagerduty-events-v2-trigger-from-alertmanager.json", events_v2))
    incident = Incident.objects.get()
    assert incident.severity.key == "P2"  # Alertmanager's pagerduty_configs send "error"
    enqueue(with_key("pagerduty-events-v2-resolve-from-alertmanager.json", events_v2))
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


def test_a_trigger_without_dedup_key_gets_one(events_v2):
    body = with_key("pagerduty-events-v2-trigger.json", events_v2)
    del body["dedup_key"]
    key = enqueue(body).json()["dedup_key"]
    assert Alert.objects.get().fingerprint == key


def test_an_invalid_event_is_refused_like_pagerduty_and_stores_nothing(events_v2):
    body = with_key("pagerduty-events-v2-trigger.json", events_v2)
    del body["payload"]["summary"]
    response = enqueue(body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["status"] == "invalid event"
    assert answer["message"] == "Event object is invalid"
    assert any("summary" in error for error in answer["errors"])
    assert not AlertEvent.objects.exists() and not Incident.objects.exists()


def test_unparseable_json_gets_pagerdutys_answer(events_v2):
    response = Client().post("/v2/enqueue", b"{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "status": "Unrecognized object",
        "message": "Event object format is unrecognized",
        "errors": ["JSON parse error"],
    }


def test_an_unknown_routing_key_is_404(events_v2):
    body = {**sample("pagerduty-events-v2-trigger.json"), "routing_key": "0" * 32}
    response = enqueue(body)
    assert response.status_code == 404
    assert response.json()["status"] == "invalid event"
    assert not AlertEvent.objects.exists()


def ping(integration, body=b""):
    return posted(
        Client().post(
            f"/api/v1/integrations/{integration.token}/heartbeat",
            body,
            content_type="application/json",
        )
    )


def test_a_missed_heartbeat_opens_an_incident_and_the_next_ping_resolves_it(nightly_backup):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert ping(nightly_backup).status_code == 202
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert check_heartbeats() == []  # inside the grace period
    with time_machine.travel(start + timedelta(minutes=13), tick=False):
        [outcome] = check_heartbeats()
        assert check_heartbeats() == []  # one missed ping, one alert
    incident = outcome.incident
    assert incident.severity.key == "P2" and incident.team.name == "Platform"
    assert incident.title.startswith("Heartbeat 'Nightly backup' missed: no ping since")
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert ping(nightly_backup).status_code == 202
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


def test_a_heartbeat_never_pinged_is_missed_after_its_first_interval(nightly_backup):
    with time_machine.travel(nightly_backup.created_at + timedelta(minutes=13), tick=False):
        [outcome] = check_heartbeats()
    assert "no ping ever received" in outcome.incident.title


def test_a_job_can_report_its_own_failure(nightly_backup):
    response = ping(nightly_backup, json.dumps({"status": "fail", "message": "pg_dump exit 1"}))
    assert response.status_code == 202
    assert Incident.objects.get().title == "pg_dump exit 1"
    ping(nightly_backup)
    assert Incident.objects.get().status == Status.RESOLVED


def test_a_heartbeat_may_be_a_plain_get(nightly_backup):
    response = Client().get(f"/api/v1/integrations/{nightly_backup.token}/heartbeat")
    assert response.status_code == 202
    nightly_backup.refresh_from_db()
    assert nightly_backup.last_ping_at is not None


def test_alertmanagers_watchdog_notification_counts_as_a_ping(nightly_backup):
    body = sample_bytes("alertmanager-v4-firing.raw.json")
    assert ping(nightly_backup, body).status_code == 202
    nightly_backup.refresh_from_db()
    assert nightly_backup.last_ping_at is not None
    assert not Incident.objects.exists()


def test_a_dedup_key_that_fires_again_reopens_its_incident_whatever_the_summary(events_v2):
    trigger = with_key("pagerduty-events-v2-trigger-from-alertmanager.json", events_v2)
    enqueue(trigger)
    enqueue(with_key("pagerduty-events-v2-resolve-from-alertmanager.json", events_v2))
    again = {**trigger, "payload": {**trigger["payload"], "summary": "[FIRING:2] DiskFull"}}
    enqueue(again)
    incident = Incident.objects.get()
    assert incident.status == Status.TRIGGERED
    assert incident.timeline.filter(kind=Event.REOPENED).exists()
