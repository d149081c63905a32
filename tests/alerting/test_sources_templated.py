"""Alert sources whose body is a template the user pastes: Datadog ($VARIABLES, substituted as
text) and Checkly (Handlebars). The real samples are the raw templates and Checkly's rendered
example; the rendered payloads below are what those templates produce."""

import hashlib
import json
from datetime import UTC, datetime

import pytest

from tests.support.samples import sample
from tests.support.sources import refused
from tocsin.alerting.sources import Action, ParsedAlert, checkly, datadog


def sha256_json(value) -> str:
    return hashlib.sha256(json.dumps(value, separators=(",", ":")).encode()).hexdigest()


# --- Datadog ------------------------------------------------------------------------------

# Our recommended template, as Datadog renders it for a multi-alert monitor on host web-3.
DATADOG_TRIGGERED = {
    "title": "[Triggered on {host:web-3}] CPU above 90%",
    "body": "%%%\nCPU on web-3 is 97% over the last 5m.\n\n@webhook-tocsin\n%%%",
    "event_type": "query_alert_monitor",
    "alert_type": "error",
    "alert_transition": "Triggered",
    "alert_id": "73018234",
    "aggreg_key": "9bd4ac313a4d1e8fae2482df7b77628",
    "priority": "P2",
    "link": "https://app.datadoghq.com/event/event?id=7270914880118591486",
    "hostname": "web-3",
    "tags": "env:prod,service:web,host:web-3,canary",
    "date": "1763802273000",
    "last_updated": "1763802273000",
    "org": {"id": "1234", "name": "Example Org"},
    "id": "7270914880118591486",
}
DATADOG_RECOVERED = {
    **DATADOG_TRIGGERED,
    "title": "[Recovered on {host:web-3}] CPU above 90%",
    "alert_type": "success",
    "alert_transition": "Recovered",
    "id": "7270916012345678901",
}
# Datadog's default template (the sample's eight keys), as rendered.
DATADOG_DEFAULT = {
    "body": "%%%\nCPU on web-3 is 97%.\n%%%",
    "last_updated": "1763802273000",
    "event_type": "query_alert_monitor",
    "title": "[Triggered on {host:web-3}] CPU above 90%",
    "date": "1763802273000",
    "org": {"id": "1234", "name": "Example Org"},
    "id": "7270914880118591486",
}


def test_datadog_default_template_sample_has_the_eight_documented_keys():
    assert set(sample("datadog-webhook.json")) == set(DATADOG_DEFAULT)


def test_datadog_template_posted_without_substitution_identifies_no_alert():
    error = refused(datadog.parse, sample("datadog-webhook.json"))

    assert error.field == "aggreg_key"
    assert "'aggreg_key' ($AGGREG_KEY)" in error.message


def test_datadog_recommended_template_trigger_is_one_alert_per_monitor_group():
    assert datadog.parse(DATADOG_TRIGGERED) == [
        ParsedAlert(
            fingerprint="9bd4ac313a4d1e8fae2482df7b77628",
            action=Action.TRIGGER,
            summary="[Triggered on {host:web-3}] CPU above 90%",
            description="CPU on web-3 is 97% over the last 5m.\n\n@webhook-tocsin",
            source="web-3",
            severity="P2",
            labels={"env": "prod", "service": "web", "host": "web-3", "canary": ""},
            annotations={
                "alert_transition": "Triggered",
                "event_type": "query_alert_monitor",
                "alert_type": "error",
                "alert_id": "73018234",
                "aggreg_key": "9bd4ac313a4d1e8fae2482df7b77628",
                "priority": "P2",
            },
            links=[
                {
                    "href": "https://app.datadoghq.com/event/event?id=7270914880118591486",
                    "text": "Datadog",
                }
            ],
            starts_at=datetime(2025, 11, 22, 9, 4, 33, tzinfo=UTC),
            raw=DATADOG_TRIGGERED,
        )
    ]


def test_datadog_recovery_resolves_the_alert_it_triggered():
    [triggered] = datadog.parse(DATADOG_TRIGGERED)
    [recovered] = datadog.parse(DATADOG_RECOVERED)

    assert recovered.fingerprint == triggered.fingerprint
    assert recovered.action == Action.RESOLVE


@pytest.mark.parametrize(
    ("transition", "action"),
    [
        ("Triggered", Action.TRIGGER),
        ("Re-Triggered", Action.TRIGGER),
        ("Warn", Action.TRIGGER),
        ("Re-Warn", Action.TRIGGER),
        ("No Data", Action.TRIGGER),
        ("Re-No Data", Action.TRIGGER),
        ("Renotify", Action.TRIGGER),
        ("Recovered", Action.RESOLVE),
        ("recovered", Action.RESOLVE),
        ("RECOVERED", Action.RESOLVE),
    ],
)
def test_datadog_only_a_recovered_transition_resolves(transition, action):
    body = {**DATADOG_TRIGGERED, "alert_type": "", "alert_transition": transition}

    [alert] = datadog.parse(body)

    assert alert.action == action


@pytest.mark.parametrize("key", ["event_type", "alert_type"])
@pytest.mark.parametrize("word", ["success", "recovery", "Success"])
def test_datadog_without_a_transition_a_success_type_resolves(key, word):
    body = {"aggreg_key": "k", "title": "t", key: word}

    [alert] = datadog.parse(body)

    assert alert.action == Action.RESOLVE


def test_datadog_default_template_resolves_on_a_recovered_title_but_keys_on_the_event_id():
    [triggered] = datadog.parse(DATADOG_DEFAULT)
    recovered_body = {
        **DATADOG_DEFAULT,
        "title": "[Recovered on {host:web-3}] CPU above 90%",
        "id": "7270916012345678901",
    }
    [recovered] = datadog.parse(recovered_body)

    assert (triggered.action, recovered.action) == (Action.TRIGGER, Action.RESOLVE)
    # $ID is new on every event: why the docs ask for aggreg_key.
    assert (triggered.fingerprint, recovered.fingerprint) == (
        "7270914880118591486",
        "7270916012345678901",
    )
    assert triggered.description == "CPU on web-3 is 97%."
    assert triggered.severity == ""


def test_datadog_fingerprint_falls_back_from_aggreg_key_to_alert_id_to_id_to_title():
    assert datadog.parse({"alert_id": "1234", "id": "9"})[0].fingerprint == "1234"
    assert datadog.parse({"aggreg_key": "$AGGREG_KEY", "id": "9"})[0].fingerprint == "9"
    assert datadog.parse({"title": "Disk full"})[0].fingerprint == sha256_json(["Disk full"])


def test_datadog_severity_is_the_priority_else_the_alert_type():
    without_priority = {**DATADOG_TRIGGERED, "priority": "", "alert_type": "warning"}

    assert datadog.parse(without_priority)[0].severity == "warning"
    assert datadog.parse({**without_priority, "priority": "$ALERT_PRIORITY"})[0].severity == (
        "warning"
    )


def test_datadog_accepts_bare_numbers_and_tags_as_an_array_from_hand_written_templates():
    body = {"alert_id": 1234, "title": "t", "tags": ["team:db", "team:payments"], "date": 1}

    [alert] = datadog.parse(body)

    assert alert.fingerprint == "1234"
    assert alert.labels == {"team": "db,payments"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([DATADOG_TRIGGERED], None),
        ({**DATADOG_TRIGGERED, "title": {"text": "t"}}, "title"),
        ({**DATADOG_TRIGGERED, "alert_transition": ["Recovered"]}, "alert_transition"),
        ({**DATADOG_TRIGGERED, "tags": [1]}, "tags"),
        ({**DATADOG_TRIGGERED, "tags": {"env": "prod"}}, "tags"),
        ({**DATADOG_TRIGGERED, "org": "Example Org"}, "org"),
        ({"body": "no identity at all"}, "aggreg_key"),
    ],
)
def test_datadog_malformed_body_is_refused_naming_the_field(body, field):
    assert refused(datadog.parse, body).field == field


# --- Checkly ------------------------------------------------------------------------------

CHECK_ID = "08437f9c-df8c-45ed-975a-a3f9e24d626d"
RESULT_LINK = f"https://app.checklyhq.com/checks/{CHECK_ID}/check-sessions/abc"
# Our recommended template, as Checkly renders it for a failing API check.
CHECKLY_FAILURE = {
    "alert_type": "ALERT_FAILURE",
    "alert_title": "Check &quot;Payments API&quot; has failed",
    "check_id": CHECK_ID,
    "check_name": "Payments API",
    "check_type": "API",
    "group_name": "Production",
    "run_location": "Frankfurt",
    "response_time": "10012",
    "started_at": "2026-11-22T09:04:33.053Z",
    "check_result_id": "5f1c9e0a-7d2b-4b8e-9a51-0c3f2d7e8b11",
    "ssl_check_domain": "",
    "ssl_days_remaining": "",
    "tags": ["team:payments", "production"],
    "link": RESULT_LINK,
    "message": "Check &quot;Payments API&quot; has failed",
}


def test_checkly_default_template_example_triggers_an_alert_keyed_by_message_and_link():
    body = sample("checkly-webhook.json")
    message = "The SSL certificate for api.checklyhq.com will expire in 14 days"
    link = "http://app-test.checklyhq.com/checks/08437f9c-df8c-45ed-975a-a3f9e24d626d"

    assert checkly.parse(body) == [
        ParsedAlert(
            fingerprint=sha256_json([message, link]),
            action=Action.TRIGGER,
            summary=message,
            links=[{"href": link, "text": "Check result"}],
            raw=body,
        )
    ]


def test_checkly_template_posted_unrendered_has_no_message():
    error = refused(checkly.parse, sample("checkly-webhook-template.json"))

    assert (error.field, error.message) == ("message", "'message' is missing or blank")


def test_checkly_recommended_template_failure_is_one_alert_per_check():
    assert checkly.parse(CHECKLY_FAILURE) == [
        ParsedAlert(
            fingerprint=CHECK_ID,
            action=Action.TRIGGER,
            summary='Check "Payments API" has failed',
            description="",
            source="Payments API",
            severity="failure",
            labels={
                "team": "payments",
                "production": "",
                "check_name": "Payments API",
                "check_type": "API",
                "group_name": "Production",
                "run_location": "Frankfurt",
                "alert_type": "ALERT_FAILURE",
            },
            annotations={
                "check_result_id": "5f1c9e0a-7d2b-4b8e-9a51-0c3f2d7e8b11",
                "response_time": "10012",
            },
            links=[{"href": RESULT_LINK, "text": "Check result"}],
            starts_at=datetime(2026, 11, 22, 9, 4, 33, 53000, tzinfo=UTC),
            raw=CHECKLY_FAILURE,
        )
    ]


@pytest.mark.parametrize(
    ("alert_type", "action", "severity"),
    [
        ("ALERT_FAILURE", Action.TRIGGER, "failure"),
        ("ALERT_FAILURE_REMAIN", Action.TRIGGER, "failure"),
        ("ALERT_DEGRADED_FAILURE", Action.TRIGGER, "failure"),
        ("ALERT_DEGRADED", Action.TRIGGER, "degraded"),
        ("ALERT_DEGRADED_REMAIN", Action.TRIGGER, "degraded"),
        ("ALERT_FAILURE_DEGRADED", Action.TRIGGER, "degraded"),
        ("ALERT_RECOVERY", Action.RESOLVE, ""),
        ("ALERT_DEGRADED_RECOVERY", Action.RESOLVE, ""),
        ("alert_recovery", Action.RESOLVE, ""),
        ("SOMETHING_NEW", Action.TRIGGER, ""),
    ],
)
def test_checkly_alert_type_decides_trigger_or_resolve_of_the_same_check(
    alert_type, action, severity
):
    [alert] = checkly.parse({**CHECKLY_FAILURE, "alert_type": alert_type})

    assert (alert.fingerprint, alert.action, alert.severity) == (CHECK_ID, action, severity)


def test_checkly_ssl_alert_is_apart_from_the_checks_failures():
    body = {
        **CHECKLY_FAILURE,
        "alert_type": "ALERT_SSL",
        "alert_title": "The SSL certificate for api.example.org will expire in 14 days",
        "ssl_check_domain": "api.example.org",
        "ssl_days_remaining": "14",
    }

    [alert] = checkly.parse(body)

    assert alert.fingerprint == f"{CHECK_ID}:ssl"
    assert (alert.action, alert.severity, alert.source) == (
        Action.TRIGGER,
        "ssl",
        "api.example.org",
    )
    assert alert.annotations["ssl_days_remaining"] == "14"


def test_checkly_template_may_set_its_own_severity_and_send_numbers_and_text_tags():
    body = {
        "check_id": CHECK_ID,
        "check_name": "Home page",
        "alert_type": "ALERT_DEGRADED",
        "severity": "P4",
        "response_time": 812,
        "tags": "team:web,public",
    }

    [alert] = checkly.parse(body)

    assert (alert.severity, alert.summary) == ("P4", "Home page")
    assert alert.annotations == {"response_time": "812"}
    assert alert.labels["team"] == "web" and alert.labels["public"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (["message"], None),
        ({}, "message"),
        ({"message": "  ", "link": "https://x"}, "message"),
        ({**CHECKLY_FAILURE, "check_id": {"id": CHECK_ID}}, "check_id"),
        ({**CHECKLY_FAILURE, "link": ["https://x"]}, "link"),
        ({**CHECKLY_FAILURE, "tags": [1]}, "tags[0]"),
        ({**CHECKLY_FAILURE, "tags": {"team": "x"}}, "tags"),
    ],
)
def test_checkly_malformed_body_is_refused_naming_the_field(body, field):
    assert refused(checkly.parse, body).field == field
