"""Alert sources with a fixed wire format: Alertmanager, Grafana, PagerDuty Events v2, generic
JSON and heartbeats. Each real sample parses into exactly the alerts it carries; each malformed
body is refused with a PayloadError that names the field."""

import hashlib
import json
import re
from datetime import UTC, datetime

import pytest

from tests.support.samples import sample, sample_bytes
from tests.support.sources import refused
from tocsin.alerting.sources import (
    Action,
    AlertStatus,
    ParsedAlert,
    PayloadError,
    alertmanager,
    fingerprint_of,
    generic,
    grafana,
    heartbeat,
    pagerduty,
    registry,
)

DB1 = "8785340d67a70f59"
DB2 = "cadcb41da5a24b66"
DISK_LABELS_DB1 = {
    "alertname": "DiskFull",
    "instance": "db1.example.org:9100",
    "service": "db",
    "severity": "critical",
}
SOURCE_LINK = {"href": "http://prometheus.example.org/graph?g0.expr=disk_used", "text": "Source"}
RUNBOOK_LINK = {"href": "https://runbooks.example.org/diskfull", "text": "Runbook"}


def sha256_json(value) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


# --- Alertmanager -------------------------------------------------------------------------


def test_alertmanager_firing_notification_is_one_trigger_with_everything_people_need():
    body = sample("alertmanager-v4-firing.json")

    assert alertmanager.parse(body) == [
        ParsedAlert(
            fingerprint=DB1,
            action=Action.TRIGGER,
            summary="Disk almost full on db1",
            description="Root filesystem is 97% full",
            source="db1.example.org:9100",
            severity="critical",
            labels=DISK_LABELS_DB1,
            annotations={
                "description": "Root filesystem is 97% full",
                "runbook_url": "https://runbooks.example.org/diskfull",
                "summary": "Disk almost full on db1",
            },
            links=[SOURCE_LINK, RUNBOOK_LINK],
            starts_at=datetime(2026, 11, 22, 9, 4, 33, 53560, tzinfo=UTC),
            ends_at=None,
            raw=body["alerts"][0],
        )
    ]


def test_alertmanager_body_as_posted_byte_for_byte_parses_like_the_pretty_sample():
    posted = json.loads(sample_bytes("alertmanager-v4-firing.raw.json"))

    assert alertmanager.parse(posted) == alertmanager.parse(sample("alertmanager-v4-firing.json"))


def test_alertmanager_group_of_two_gives_two_alerts_in_order():
    alerts = alertmanager.parse(sample("alertmanager-v4-firing-grouped.json"))

    assert [(a.fingerprint, a.action, a.summary, a.source) for a in alerts] == [
        (DB1, Action.TRIGGER, "Disk almost full on db1", "db1.example.org:9100"),
        (DB2, Action.TRIGGER, "Disk almost full on db2", "db2.example.org:9100"),
    ]


def test_alertmanager_status_is_read_per_alert_not_from_the_group():
    body = sample("alertmanager-v4-mixed.json")
    assert body["status"] == "firing"

    resolved, firing = alertmanager.parse(body)

    assert (resolved.fingerprint, resolved.action, resolved.status) == (
        DB1,
        Action.RESOLVE,
        AlertStatus.RESOLVED,
    )
    assert resolved.starts_at == datetime(2026, 11, 22, 9, 3, 23, tzinfo=UTC)
    assert resolved.ends_at == datetime(2026, 11, 22, 9, 5, 22, tzinfo=UTC)
    assert (firing.fingerprint, firing.action, firing.status) == (
        DB2,
        Action.TRIGGER,
        AlertStatus.FIRING,
    )


def test_alertmanager_nanosecond_start_is_read_and_zero_end_means_no_end():
    _, firing = alertmanager.parse(sample("alertmanager-v4-mixed.json"))

    assert firing.starts_at == datetime(2026, 11, 22, 9, 4, 44, 689260, tzinfo=UTC)
    assert firing.ends_at is None


def test_alertmanager_all_resolved_notification_resolves_the_alert_it_carries():
    [alert] = alertmanager.parse(sample("alertmanager-v4-resolved.json"))

    assert (alert.fingerprint, alert.action) == (DB2, Action.RESOLVE)
    assert alert.ends_at == datetime(2026, 11, 22, 9, 5, 38, tzinfo=UTC)


def test_alertmanager_truncated_group_gives_the_alerts_sent_and_omits_empty_links():
    [alert] = alertmanager.parse(sample("alertmanager-v4-truncated.json"))

    assert alert.fingerprint == "e808e0de2258e89a"
    assert (alert.summary, alert.description, alert.severity) == ("trunc 1", "", "warning")
    assert alert.source == "web1:80"
    assert alert.links == []  # generatorURL is "" and there is no runbook_url


def test_alertmanager_alert_without_fingerprint_is_identified_by_its_sorted_labels():
    labels = {"service": "db", "alertname": "DiskFull"}
    body = {"alerts": [{"status": "firing", "labels": labels}]}

    [alert] = alertmanager.parse(body)

    assert alert.fingerprint == sha256_json([{"alertname": "DiskFull", "service": "db"}])
    assert alert.fingerprint == fingerprint_of(labels)


def test_alertmanager_summary_falls_back_to_alertname_and_source_to_job():
    body = {"alerts": [{"status": "firing", "labels": {"alertname": "Down", "job": "node"}}]}

    [alert] = alertmanager.parse(body)

    assert (alert.summary, alert.source, alert.severity, alert.links) == ("Down", "node", "", [])
    assert (alert.starts_at, alert.ends_at) == (None, None)


def test_alertmanager_empty_group_is_no_alerts():
    assert alertmanager.parse({"alerts": []}) == []


FIRING = {"status": "firing", "labels": {"alertname": "X"}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], None),
        ("alerts", None),
        ({}, "alerts"),
        ({"alerts": {"0": FIRING}}, "alerts"),
        ({"alerts": ["firing"]}, "alerts[0]"),
        ({"alerts": [{"labels": {"alertname": "X"}}]}, "alerts[0].status"),
        ({"alerts": [{**FIRING, "status": "pending"}]}, "alerts[0].status"),
        ({"alerts": [{**FIRING, "status": ["firing"]}]}, "alerts[0].status"),
        ({"alerts": [FIRING, {**FIRING, "status": "FIRING"}]}, "alerts[1].status"),
        ({"alerts": [{"status": "firing"}]}, "alerts[0].labels"),
        ({"alerts": [{**FIRING, "labels": ["alertname=X"]}]}, "alerts[0].labels"),
        ({"alerts": [{**FIRING, "labels": {"severity": 1}}]}, "alerts[0].labels.severity"),
        ({"alerts": [{**FIRING, "annotations": "x"}]}, "alerts[0].annotations"),
        (
            {"alerts": [{**FIRING, "annotations": {"summary": None}}]},
            "alerts[0].annotations.summary",
        ),
        ({"alerts": [{**FIRING, "fingerprint": 42}]}, "alerts[0].fingerprint"),
        ({"alerts": [{**FIRING, "generatorURL": {}}]}, "alerts[0].generatorURL"),
        ({"alerts": [{**FIRING, "startsAt": "yesterday"}]}, "alerts[0].startsAt"),
        ({"alerts": [{**FIRING, "endsAt": 1700000000}]}, "alerts[0].endsAt"),
    ],
)
def test_alertmanager_malformed_body_is_refused_naming_the_field(body, field):
    assert refused(alertmanager.parse, body).field == field


def test_alertmanager_refusal_says_what_is_wrong():
    error = refused(alertmanager.parse, {"alerts": [{**FIRING, "status": "pending"}]})

    assert error.message == "'alerts[0].status' must be 'firing' or 'resolved', not 'pending'"
    assert refused(alertmanager.parse, []).message == "the body must be a JSON object, not an array"


# --- Grafana ------------------------------------------------------------------------------


def test_grafana_notification_gives_each_alert_with_its_grafana_links():
    body = sample("grafana-alert.json")

    memory, cpu = grafana.parse(body)

    assert memory == ParsedAlert(
        fingerprint="c6eadffa33fcdf37",
        action=Action.TRIGGER,
        summary="This alert was triggered for zone us-1",
        description="The system has high memory usage",
        source="",
        severity="",
        labels={"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
        annotations={
            "description": "The system has high memory usage",
            "runbook_url": "https://myrunbook.com/runbook/1234",
            "summary": "This alert was triggered for zone us-1",
        },
        links=[
            {"href": "https://play.grafana.org/alerting/1afz29v7z/edit", "text": "Source"},
            {
                "href": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana"
                "&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1",
                "text": "Silence",
            },
            {"href": "https://myrunbook.com/runbook/1234", "text": "Runbook"},
        ],
        # 09:51:03.157076+02:00 stored in UTC
        starts_at=datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC),
        ends_at=None,
        raw=body["alerts"][0],
    )
    assert (cpu.fingerprint, cpu.action, cpu.summary) == (
        "bc97ff14869b13e3",
        Action.TRIGGER,
        "This alert was triggered for zone eu-1",
    )
    assert cpu.starts_at == datetime(2021, 10, 12, 7, 56, 3, 157076, tzinfo=UTC)


def test_grafana_dashboard_panel_and_image_links_are_kept_in_order_when_set():
    alert = {
        "status": "resolved",
        "labels": {"alertname": "T1"},
        "annotations": {"runbook_url": "https://runbooks/1"},
        "fingerprint": "f1",
        "generatorURL": "https://g/alerting/1/edit",
        "silenceURL": "https://g/silence",
        "dashboardURL": "https://g/d/abc",
        "panelURL": "https://g/d/abc?viewPanel=2",
        "imageURL": "https://g/image.png",
        "endsAt": "2021-10-12T10:00:00Z",
    }

    [parsed] = grafana.parse({"version": "1", "alerts": [alert]})

    assert parsed.action == Action.RESOLVE
    assert [link["text"] for link in parsed.links] == [
        "Source",
        "Silence",
        "Dashboard",
        "Panel",
        "Image",
        "Runbook",
    ]
    assert parsed.links[3] == {"href": "https://g/d/abc?viewPanel=2", "text": "Panel"}


def test_grafana_malformed_alert_is_refused_naming_the_field():
    body = {"alerts": [{"status": "firing", "labels": {}, "silenceURL": 7}]}

    assert refused(grafana.parse, body).field == "alerts[0].silenceURL"


# --- PagerDuty Events API v2 --------------------------------------------------------------


def test_pagerduty_trigger_event_is_one_trigger_keyed_by_its_dedup_key():
    event = sample("pagerduty-events-v2-trigger.json")

    assert pagerduty.parse(event) == [
        ParsedAlert(
            fingerprint="srv01/mysql",
            action=Action.TRIGGER,
            summary="DISK at 99% on machine prod-datapipe03.example.com",
            description="",
            source="prod-datapipe03.example.com",
            severity="critical",
            labels={
                "free space": "1%",
                "ping time": "1500ms",
                "load avg": "0.75",
                "component": "mysql",
                "group": "prod-datapipe",
                "class": "disk",
            },
            links=[
                {"href": "https://monitoring.service.com", "text": "Sample Monitoring Service"},
                {"href": "http://pagerduty.example.com", "text": "An example link."},
                {"href": "https://google.com", "text": "An example link with an image"},
            ],
            starts_at=datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC),
            raw={key: value for key, value in event.items() if key != "routing_key"},
        )
    ]


def test_pagerduty_routing_key_is_a_secret_and_never_kept_in_raw():
    [alert] = pagerduty.parse(sample("pagerduty-events-v2-trigger.json"))

    assert "routing_key" not in alert.raw
    assert alert.raw["dedup_key"] == "srv01/mysql"


def test_pagerduty_acknowledge_and_resolve_events_act_on_the_dedup_key():
    [acknowledge] = pagerduty.parse(sample("pagerduty-events-v2-acknowledge.json"))
    [resolve] = pagerduty.parse(sample("pagerduty-events-v2-resolve.json"))

    assert (acknowledge.fingerprint, acknowledge.action) == ("dedupkeyhere", Action.ACKNOWLEDGE)
    assert acknowledge.status == AlertStatus.FIRING
    assert (resolve.fingerprint, resolve.action) == ("dedupkeyhere", Action.RESOLVE)
    assert resolve.status == AlertStatus.RESOLVED


def test_pagerduty_events_from_alertmanager_trigger_then_resolve_the_same_alert():
    group_key_hash = hashlib.sha256(b'{}:{alertname="DiskFull"}').hexdigest()

    [trigger] = pagerduty.parse(sample("pagerduty-events-v2-trigger-from-alertmanager.json"))
    [resolve] = pagerduty.parse(sample("pagerduty-events-v2-resolve-from-alertmanager.json"))

    assert trigger.fingerprint == resolve.fingerprint == group_key_hash
    assert (trigger.action, resolve.action) == (Action.TRIGGER, Action.RESOLVE)
    assert trigger.summary == "[FIRING:1] DiskFull (db1.example.org:9100 critical)"
    assert (trigger.source, trigger.severity) == ("Alertmanager", "error")
    assert trigger.labels["num_firing"] == "1"
    assert trigger.labels["firing"].startswith("Labels:\n - alertname = DiskFull\n")
    assert trigger.links == [
        {"href": "http://127.0.0.1:19094/#/alerts?receiver=pd", "text": "Alertmanager"}
    ]


def test_pagerduty_trigger_without_dedup_key_gets_a_fresh_one_to_return_to_the_client():
    event = {
        "routing_key": "r",
        "event_action": "trigger",
        "payload": {"summary": "s", "source": "h", "severity": "info"},
    }

    [first] = pagerduty.parse(event)
    [second] = pagerduty.parse(event)

    assert re.fullmatch(r"[0-9a-f]{32}", first.fingerprint)
    assert first.fingerprint != second.fingerprint


def test_pagerduty_custom_details_are_flattened_to_string_labels():
    event = {
        "event_action": "trigger",
        "payload": {
            "summary": "s",
            "source": "h",
            "severity": "warning",
            "custom_details": {"disk": {"free": 0.5, "mount": "/"}, "ok": False, "tags": ["a"]},
            "timestamp": "not a time",
        },
    }

    [alert] = pagerduty.parse(event)

    assert alert.labels == {
        "disk.free": "0.5",
        "disk.mount": "/",
        "ok": "false",
        "tags": '["a"]',
    }
    assert alert.starts_at is None  # an unreadable timestamp is ignored, not refused


def test_pagerduty_custom_details_given_as_text_become_the_description():
    event = {
        "event_action": "trigger",
        "payload": {"summary": "s", "source": "h", "severity": "error", "custom_details": "x\ny"},
    }

    [alert] = pagerduty.parse(event)

    assert (alert.description, alert.labels) == ("x\ny", {})


TRIGGER = {"summary": "Disk full", "source": "db1", "severity": "critical"}


@pytest.mark.parametrize(
    ("event", "field", "message"),
    [
        ({"routing_key": "r"}, "event_action", "'event_action' is missing or blank"),
        (
            {"event_action": "snooze", "dedup_key": "k"},
            "event_action",
            "'event_action' is invalid (must be one of the following: "
            "'trigger', 'acknowledge' or 'resolve')",
        ),
        ({"event_action": "trigger"}, "payload", "'payload' is missing"),
        (
            {"event_action": "trigger", "payload": "x"},
            "payload",
            "'payload' must be an object, not a string",
        ),
        (
            {"event_action": "trigger", "payload": {**TRIGGER, "summary": "  "}},
            "payload.summary",
            "'payload.summary' is missing or blank",
        ),
        (
            {"event_action": "trigger", "payload": {**TRIGGER, "summary": 5}},
            "payload.summary",
            "'payload.summary' is invalid (must be a string)",
        ),
        (
            {"event_action": "trigger", "payload": {"summary": "s", "severity": "info"}},
            "payload.source",
            "'payload.source' is missing or blank",
        ),
        (
            {"event_action": "trigger", "payload": {"summary": "s", "source": "h"}},
            "payload.severity",
            "'payload.severity' is missing or blank",
        ),
        (
            {"event_action": "trigger", "payload": {**TRIGGER, "severity": "Critical"}},
            "payload.severity",
            "'payload.severity' is invalid (must be one of the following: "
            "'critical', 'warning', 'error' or 'info')",
        ),
        ({"event_action": "acknowledge"}, "dedup_key", "'dedup_key' is missing or blank"),
        (
            {"event_action": "resolve", "dedup_key": " "},
            "dedup_key",
            "'dedup_key' is missing or blank",
        ),
        (
            {"event_action": "resolve", "dedup_key": 7},
            "dedup_key",
            "'dedup_key' is invalid (must be a string)",
        ),
        (
            {"event_action": "resolve", "dedup_key": "k" * 256},
            "dedup_key",
            "'dedup_key' is too long (maximum is 255 characters)",
        ),
        (
            {"event_action": "resolve", "dedup_key": "k", "routing_key": ["r"]},
            "routing_key",
            "'routing_key' is invalid (must be a string)",
        ),
    ],
)
def test_pagerduty_invalid_event_is_refused_like_pagerduty_refuses_it(event, field, message):
    error = refused(pagerduty.parse, event)

    assert (error.field, error.message) == (field, message)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"links": {"href": "x"}}, "links"),
        ({"links": ["http://x"]}, "links[0]"),
        ({"links": [{"href": 1}]}, "links[0].href"),
        ({"images": [{"src": None, "href": 2}]}, "images[0].href"),
        ({"client_url": 1}, "client_url"),
        ({"payload": {**TRIGGER, "component": 1}}, "payload.component"),
    ],
)
def test_pagerduty_wrongly_typed_optional_fields_are_refused_naming_the_field(extra, field):
    event = {"event_action": "trigger", "dedup_key": "k", "payload": TRIGGER, **extra}

    assert refused(pagerduty.parse, event).field == field


# --- Generic JSON -------------------------------------------------------------------------


def test_generic_alert_needs_only_a_title_and_fires():
    [alert] = generic.parse({"title": "Backup did not run"})

    assert alert == ParsedAlert(
        fingerprint=sha256_json(["Backup did not run", {}]),
        action=Action.TRIGGER,
        summary="Backup did not run",
        raw={"title": "Backup did not run"},
    )


def test_generic_alert_carries_every_documented_field():
    body = {
        "title": "Replica lag above 60 s on db-2",
        "status": "firing",
        "dedup_key": "db-2/replica-lag",
        "severity": "critical",
        "description": "Replication is 94 s behind the primary.",
        "source": "db-2",
        "labels": {"team": "payments", "service": "db"},
        "links": [
            {"href": "https://grafana.example.org/d/replication", "text": "Dashboard"},
            {"href": "https://runbooks.example.org/replica-lag"},
        ],
    }

    assert generic.parse(body) == [
        ParsedAlert(
            fingerprint="db-2/replica-lag",
            action=Action.TRIGGER,
            summary="Replica lag above 60 s on db-2",
            description="Replication is 94 s behind the primary.",
            source="db-2",
            severity="critical",
            labels={"team": "payments", "service": "db"},
            links=[
                {"href": "https://grafana.example.org/d/replication", "text": "Dashboard"},
                {
                    "href": "https://runbooks.example.org/replica-lag",
                    "text": "https://runbooks.example.org/replica-lag",
                },
            ],
            raw=body,
        )
    ]


def test_generic_same_title_and_labels_are_the_same_alert_whatever_the_label_order():
    [first] = generic.parse({"title": "Lag", "labels": {"a": "1", "b": "2"}})
    [again] = generic.parse({"title": "Lag", "labels": {"b": "2", "a": "1"}, "status": "resolved"})
    [other] = generic.parse({"title": "Lag", "labels": {"a": "1", "b": "3"}})

    assert first.fingerprint == again.fingerprint == sha256_json(["Lag", {"a": "1", "b": "2"}])
    assert again.action == Action.RESOLVE
    assert other.fingerprint != first.fingerprint


def test_generic_resolve_may_name_only_the_dedup_key():
    [alert] = generic.parse({"status": "resolved", "dedup_key": "db-2/replica-lag"})

    assert (alert.fingerprint, alert.action, alert.summary) == (
        "db-2/replica-lag",
        Action.RESOLVE,
        "",
    )


def test_generic_several_alerts_at_once_under_alerts():
    body = {"alerts": [{"title": "A", "dedup_key": "a"}, {"title": "B", "status": "resolved"}]}

    alerts = generic.parse(body)

    assert [(a.fingerprint, a.action) for a in alerts] == [
        ("a", Action.TRIGGER),
        (sha256_json(["B", {}]), Action.RESOLVE),
    ]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "title", "'title' is missing or blank"),
        ({"title": " "}, "title", "'title' is missing or blank"),
        ({"status": "resolved"}, "title", "'title' is missing or blank"),
        ({"title": 3}, "title", "'title' must be a string, not a number"),
        (
            {"title": "t", "status": "open"},
            "status",
            "'status' must be 'firing' or 'resolved', not 'open'",
        ),
        (
            {"title": "t", "dedup_key": ["k"]},
            "dedup_key",
            "'dedup_key' must be a string, not an array",
        ),
        ({"title": "t", "severity": 1}, "severity", "'severity' must be a string, not a number"),
        ({"title": "t", "labels": ["a"]}, "labels", "'labels' must be an object, not an array"),
        (
            {"title": "t", "labels": {"n": 1}},
            "labels.n",
            "'labels.n' must be a string, not a number",
        ),
        ({"title": "t", "links": {}}, "links", "'links' must be an array, not an object"),
        (
            {"title": "t", "links": [{"text": "x"}]},
            "links[0].href",
            "'links[0].href' is missing or blank",
        ),
        ({"alerts": "x"}, "alerts", "'alerts' must be an array, not a string"),
        (
            {"alerts": [{"title": "a"}, {}]},
            "alerts[1].title",
            "'alerts[1].title' is missing or blank",
        ),
        ({"alerts": [None]}, "alerts[0]", "'alerts[0]' must be an object, not null"),
    ],
)
def test_generic_malformed_alert_is_refused_naming_the_field(body, field, message):
    error = refused(generic.parse, body)

    assert (error.field, error.message) == (field, message)


# --- Heartbeat ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [None, {}, [], "OK", {"status": "ok"}, {"status": "firing", "alerts": []}, {"status": "down"}],
)
def test_anything_but_a_failure_report_is_a_heartbeat_ping(body):
    assert heartbeat.parse(body) == []


def test_heartbeat_failure_report_triggers_the_heartbeat_alert():
    body = {"status": "fail", "message": "pg_dump exited 1\nno space left on device"}

    assert heartbeat.parse(body) == [
        ParsedAlert(
            fingerprint=heartbeat.HEARTBEAT_FINGERPRINT,
            action=Action.TRIGGER,
            summary="pg_dump exited 1",
            description="pg_dump exited 1\nno space left on device",
            raw=body,
        )
    ]


def test_heartbeat_failure_without_message_still_says_what_happened():
    [alert] = heartbeat.parse({"status": "fail"})

    assert alert.summary == "The job reported a failure"


def test_a_failure_report_with_an_odd_message_still_triggers():
    [alert] = heartbeat.parse({"status": "fail", "message": 1})
    assert alert.summary == "The job reported a failure"


# --- Registry -----------------------------------------------------------------------------


def test_registry_knows_every_kind_of_integration():
    assert set(registry.PARSERS) == {
        "alertmanager",
        "grafana",
        "datadog",
        "checkly",
        "pagerduty",
        "generic",
        "heartbeat",
    }


def test_registry_dispatches_to_the_parser_of_the_kind():
    body = sample("alertmanager-v4-mixed.json")

    assert registry.parse("alertmanager", body) == alertmanager.parse(body)
    assert registry.parse("heartbeat", None) == []


def test_registry_refuses_an_unknown_kind_as_a_lookup_not_a_bad_body():
    with pytest.raises(registry.UnknownKind, match="unknown integration kind 'nagios'"):
        registry.parse("nagios", {})
    assert not issubclass(registry.UnknownKind, PayloadError)
