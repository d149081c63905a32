"""Managing alert intake through the REST API: integrations, alerts, rules, maintenance."""

import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tests.support.api import ApiClient, assert_error
from tests.support.intake import posted
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import (
    Alert,
    AlertEvent,
    Integration,
    MaintenanceWindow,
    RoutingRule,
    SeverityMapping,
)
from tocsin.alerting.services import create_rule
from tocsin.incidents.models import Incident

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def alerting_rows() -> dict:
    return {
        "integrations": list(Integration.objects.order_by("pk").values()),
        "rules": list(RoutingRule.objects.order_by("pk").values()),
        "windows": list(MaintenanceWindow.objects.order_by("pk").values()),
        "mappings": SeverityMapping.objects.count(),
        "alerts": Alert.objects.count(),
    }


@contextmanager
def nothing_changes():
    before = alerting_rows()
    yield
    assert alerting_rows() == before


def intake_url(integration) -> str:
    return f"{settings.BASE_URL}/api/v1/integrations/{integration.token}/{integration.kind}"


# ---------------------------------------------------------------------------------------------
# Integrations


def test_a_lead_creates_an_integration_and_gets_its_url(api_as, lead, payments, checkout, p3):
    response = api_as(lead).post(
        "/integrations",
        {
            "kind": "alertmanager",
            "name": "Prometheus",
            "team": "payments",
            "service": "checkout",
            "severity": "p3",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    integration = Integration.objects.get()
    assert body["id"] == integration.pk
    assert body["url"] == intake_url(integration)
    assert body["url"].startswith(f"{settings.BASE_URL}/api/v1/integrations/")
    assert body["team"] == {"slug": "payments", "name": "Payments"}
    assert body["service"] == {"slug": "checkout", "name": "Checkout"}
    assert body["severity"] == {"key": "P3", "name": "Moderate"}
    assert body["page_url"] == f"{settings.BASE_URL}/integrations/{integration.pk}/"
    assert (body["enabled"], body["auto_resolve"], body["rate_limit_per_minute"]) == (
        True,
        True,
        600,
    )
    assert body["reopen_window_seconds"] == 1800
    assert body["signing_secret"] == "" and body["signed"] is False


def test_the_new_url_accepts_alerts(api_as, lead, payments, severities):
    body = (
        api_as(lead)
        .post("/integrations", {"kind": "generic", "name": "Scripts", "team": "payments"})
        .json()
    )
    path = body["url"].removeprefix(settings.BASE_URL)
    response = posted(
        Client().post(path, {"title": "Backup failed"}, content_type="application/json")
    )
    assert response.status_code == 202
    assert Alert.objects.get().summary == "Backup failed"


def test_a_plain_member_cannot_create_an_integration_for_their_team(api_as, member, payments):
    with nothing_changes():
        response = api_as(member).post(
            "/integrations", {"kind": "generic", "name": "Mine", "team": "payments"}
        )
    assert_error(
        response,
        403,
        "permission_denied",
        message_contains="only an admin or a lead of Payments may change its alerting",
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "field", "message"),
    [
        (
            {"kind": "nagios", "name": "N", "team": "payments"},
            422,
            "validation_failed",
            "kind",
            "unknown kind 'nagios'; use one of alertmanager, grafana",
        ),
        (
            {"kind": "generic", "name": " ", "team": "payments"},
            422,
            "validation_failed",
            "name",
            "give the integration a name",
        ),
        (
            {"kind": "generic", "name": "G", "team": "payments", "signing_secret": "s" * 201},
            422,
            "validation_failed",
            "signing_secret",
            "the signing secret is longer than 200 characters",
        ),
        (
            {"kind": "generic", "name": "G", "team": "nobody"},
            422,
            "validation_failed",
            "team",
            "no team 'nobody'",
        ),
        (
            {"kind": "generic", "name": "G", "team": "payments", "service": "nope"},
            422,
            "validation_failed",
            "service",
            "unknown service 'nope'",
        ),
        (
            {"kind": "generic", "name": "G", "team": "payments", "severity": "P9"},
            422,
            "validation_failed",
            "severity",
            "unknown severity 'P9'; use one of P1",
        ),
        (
            {"kind": "heartbeat", "name": "H", "team": "payments"},
            422,
            "validation_failed",
            "heartbeat_interval",
            "a heartbeat needs an interval",
        ),
        (
            {"kind": "heartbeat", "name": "H", "team": "payments", "heartbeat_interval_seconds": 5},
            422,
            "validation_failed",
            "heartbeat_interval",
            "at least 10 seconds",
        ),
        (
            {"kind": "generic", "name": "G", "team": "payments", "colour": "red"},
            422,
            "validation_failed",
            "colour",
            "unknown field 'colour'",
        ),
        (
            {"kind": "generic", "team": "payments"},
            422,
            "validation_failed",
            "name",
            "name: Field required",
        ),
    ],
)
def test_a_bad_integration_is_refused_with_a_clear_error_and_nothing_is_created(
    api_as, admin, payments, severities, body, status, code, field, message
):
    with nothing_changes():
        response = api_as(admin).post("/integrations", body)
    assert_error(response, status, code, field=field, message_contains=message)


def test_only_managers_see_the_url_and_secrets(
    api_as, lead, member, outsider, admin, payments, severities
):
    integration = Integration.objects.create(
        kind="pagerduty", name="Agents", team=payments, signing_secret="s3cret"
    )
    for person in (lead, admin):
        [seen] = api_as(person).get("/integrations").json()
        assert seen["url"] == intake_url(integration)
        assert seen["integration_key"] == integration.token
        assert seen["events_api_url"] == f"{settings.BASE_URL}/v2/enqueue"
        assert seen["signing_secret"] == "s3cret"
    for person in (member, outsider):
        seen = api_as(person).get(f"/integrations/{integration.pk}").json()
        assert seen["url"] is None and seen["integration_key"] is None
        assert seen["signing_secret"] is None
        assert seen["signed"] is True
        assert integration.token not in str(seen)


def test_integrations_are_filtered_by_team_and_kind(api_as, member, prometheus, platform):
    Integration.objects.create(kind="generic", name="Platform scripts", team=platform)
    client = api_as(member)
    assert [i["name"] for i in client.get("/integrations", team="payments").json()] == [
        "Prometheus"
    ]
    assert [i["name"] for i in client.get("/integrations", kind="generic").json()] == [
        "Platform scripts"
    ]
    assert_error(client.get("/integrations", kind="nagios"), 422, "validation_failed", field="kind")
    assert_error(client.get("/integrations", team="nobody"), 422, "validation_failed", field="team")


def test_an_unknown_integration_is_404(api_as, member, db):
    assert_error(
        api_as(member).get("/integrations/999"),
        404,
        "not_found",
        message_contains="no integration 999",
    )


def test_a_lead_changes_settings(api_as, lead, prometheus, p1):
    response = api_as(lead).patch(
        f"/integrations/{prometheus.pk}",
        {
            "enabled": False,
            "auto_resolve": False,
            "reopen_window_seconds": 600,
            "rate_limit_per_minute": 60,
            "severity": "P1",
            "service": None,
            "name": "Prom EU",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["enabled"], body["auto_resolve"], body["reopen_window_seconds"]) == (
        False,
        False,
        600,
    )
    assert body["rate_limit_per_minute"] == 60
    assert body["severity"]["key"] == "P1" and body["service"] is None
    prometheus.refresh_from_db()
    assert prometheus.name == "Prom EU" and not prometheus.enabled
    assert prometheus.reopen_window == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"rate_limit_per_minute": 0}, "rate_limit_per_minute", "between 1 and 100,000"),
        ({"enabled": "yes"}, "enabled", "enabled: Input should be a valid boolean"),
        ({"name": None}, "name", "null is not a value"),
        ({"reopen_window_seconds": -1}, "reopen_window_seconds", "greater than or equal to 0"),
        (
            {"heartbeat_interval_seconds": 60},
            "heartbeat_interval",
            "only a heartbeat integration has an interval",
        ),
        ({"signature_header": "Bad Header"}, "signature_header", "is not an HTTP header name"),
        ({"token_salt": "mine"}, "token_salt", "unknown field 'token_salt'"),
        ({"name": "New", "severity": "P9"}, "severity", "unknown severity 'P9'"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    api_as, lead, prometheus, body, field, message
):
    with nothing_changes():
        response = api_as(lead).patch(f"/integrations/{prometheus.pk}", body)
    assert_error(response, 422, "validation_failed", field=field, message_contains=message)


def test_a_member_cannot_change_settings(api_as, member, prometheus):
    with nothing_changes():
        response = api_as(member).patch(f"/integrations/{prometheus.pk}", {"enabled": False})
    assert_error(response, 403, "permission_denied")


def test_rotating_the_token_returns_the_new_url_and_retires_the_old_one(api_as, lead, prometheus):
    old_path = intake_url(prometheus).removeprefix(settings.BASE_URL)
    response = api_as(lead).post(f"/integrations/{prometheus.pk}/rotate-token")
    assert response.status_code == 200, response.content
    prometheus.refresh_from_db()
    assert response.json()["url"] == intake_url(prometheus)
    assert intake_url(prometheus).removeprefix(settings.BASE_URL) != old_path
    refused = Client().post(old_path, {"alerts": []}, content_type="application/json")
    assert refused.status_code == 404


def test_an_outsider_cannot_rotate_the_token(api_as, outsider, prometheus):
    with nothing_changes():
        response = api_as(outsider).post(f"/integrations/{prometheus.pk}/rotate-token")
    assert_error(response, 403, "permission_denied")


def test_alerting_endpoints_need_credentials(prometheus):
    anonymous = ApiClient()
    for response in (
        anonymous.get("/integrations"),
        anonymous.post(f"/integrations/{prometheus.pk}/rotate-token"),
        anonymous.get("/alerts"),
        anonymous.get("/rules"),
        anonymous.post("/maintenance", {}),
    ):
        assert_error(response, 401, "unauthenticated")


# ---------------------------------------------------------------------------------------------
# Alerts


def test_alerts_are_listed_newest_first_with_pagination(api_as, member, prometheus, firing):
    for minute, name in enumerate(["First", "Second", "Third"]):
        with time_machine.travel(NOW + timedelta(minutes=minute), tick=False):
            ingest(integration=prometheus, alerts=[firing(name.lower(), alertname=name)])
    page = api_as(member).get("/alerts", limit=2).json()
    assert page["count"] == 3
    assert [a["summary"] for a in page["items"]] == ["Third on third", "Second on second"]
    rest = api_as(member).get("/alerts", limit=2, offset=2).json()
    assert [a["summary"] for a in rest["items"]] == ["First on first"]
    item = page["items"][0]
    assert item["severity"] == {"key": "P1", "name": "Critical"}
    assert item["team"]["slug"] == "payments" and item["service"]["slug"] == "checkout"
    assert item["incident"]["reference"].startswith("INC-")
    assert item["integration"] == {
        "id": prometheus.pk,
        "name": "Prometheus",
        "kind": "alertmanager",
    }
    assert item["url"] == f"{settings.BASE_URL}/alerts/{item['id']}/"


def test_alerts_are_filtered(api_as, member, prometheus, firing, resolved, platform):
    ingest(integration=prometheus, alerts=[firing("a"), firing("b")])
    ingest(integration=prometheus, alerts=[resolved("a")])
    client = api_as(member)
    assert client.get("/alerts", status="firing").json()["count"] == 1
    assert client.get("/alerts", status="resolved").json()["count"] == 1
    assert client.get("/alerts", team="platform").json()["count"] == 0
    assert client.get("/alerts", integration=prometheus.pk, suppressed=False).json()["count"] == 2
    assert client.get("/alerts", suppressed=True).json()["count"] == 0
    assert_error(client.get("/alerts", status="open"), 422, "validation_failed", field="status")
    assert_error(client.get("/alerts", team="nobody"), 422, "validation_failed", field="team")
    assert_error(
        client.get("/alerts", integration=999), 422, "validation_failed", field="integration"
    )
    assert_error(client.get("/alerts", limit=0), 422, "validation_failed", field="limit")


def test_one_alert_carries_every_event_and_decision(api_as, member, admin, prometheus, firing, p1):
    rule = create_rule(
        by=admin,
        name="Critical",
        position=10,
        severity=p1,
        matchers=[{"field": "labels.severity", "op": "=", "value": "critical"}],
    )
    [first] = ingest(integration=prometheus, alerts=[firing(env="prod")])
    ingest(integration=prometheus, alerts=[firing(env="prod")])
    body = api_as(member).get(f"/alerts/{first.alert.pk}").json()
    assert body["count"] == 2
    assert body["rule"] == {"id": rule.pk, "position": 10, "name": "Critical"}
    assert body["labels"] == {"alertname": "CheckoutErrors", "severity": "critical", "env": "prod"}
    assert body["suppressed"] is False and body["maintenance"] is None
    assert [e["action"] for e in body["events"]] == ["trigger", "trigger"]
    assert body["events"][0]["decisions"] == [
        "Matched rule #10 'Critical' (labels.severity = 'critical')",
        "Severity P1 set by the rule",
        f"Opened {first.incident.reference} (grouping key 'alert:checkout/CheckoutErrors')",
    ]
    assert body["events"][1]["decisions"][0] == (
        "Deduplicated: same fingerprint as the open alert, now seen 2 times"
    )
    assert AlertEvent.objects.count() == 2


def test_an_unknown_alert_is_404(api_as, member, db):
    assert_error(
        api_as(member).get("/alerts/12345"), 404, "not_found", message_contains="no alert 12345"
    )


# ---------------------------------------------------------------------------------------------
# Routing rules


def test_a_lead_creates_a_rule_for_their_team_with_matchers_as_text_or_objects(
    api_as, lead, payments, checkout, p1, prometheus
):
    response = api_as(lead).post(
        "/rules",
        {
            "name": "Critical checkout",
            "position": 10,
            "team": "payments",
            "service": "checkout",
            "severity": "P1",
            "integration": prometheus.pk,
            "matchers": [
                "labels.severity = critical",
                {"field": "labels.env", "op": "=~", "value": "prod|staging"},
                "labels.team exists",
            ],
            "grouping_key": "{labels.cluster}/{labels.alertname}",
            "runbook_url": "https://runbooks.example.org/checkout",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["matchers"] == [
        {"field": "labels.severity", "op": "=", "value": "critical"},
        {"field": "labels.env", "op": "=~", "value": "prod|staging"},
        {"field": "labels.team", "op": "exists", "value": ""},
    ]
    assert body["description"] == (
        "labels.severity = 'critical' and labels.env =~ 'prod|staging' and labels.team exists"
    )
    assert body["team"]["slug"] == "payments" and body["severity"]["key"] == "P1"
    assert body["integration"]["id"] == prometheus.pk
    assert RoutingRule.objects.get().grouping_key == "{labels.cluster}/{labels.alertname}"


def test_a_rule_created_disabled_is_written_once_and_never_enabled(
    api_as, lead, payments, prometheus, rule_writes
):
    response = api_as(lead).post(
        "/rules",
        {"name": "Quiet", "team": "payments", "integration": prometheus.pk, "enabled": False},
    )
    assert response.status_code == 201, response.content
    assert response.json()["enabled"] is False
    assert rule_writes == [(True, False)]
    assert not RoutingRule.objects.get().enabled


@pytest.mark.parametrize(
    ("body", "status", "code", "field", "message"),
    [
        (
            {"matchers": ["labels.env =~ (prod"]},
            422,
            "validation_failed",
            "matchers",
            "matchers[0]: value is not a valid regex",
        ),
        (
            {"matchers": [{"field": "host", "op": "=", "value": "a"}]},
            422,
            "validation_failed",
            "matchers",
            "matchers[0].field 'host' is not labels.<name>",
        ),
        (
            {"matchers": [{"field": "labels.a", "op": "~~"}]},
            422,
            "validation_failed",
            "matchers",
            "matchers[0].op '~~' is not one of",
        ),
        ({"grouping_key": "{labels.x"}, 422, "validation_failed", "grouping_key", "not a template"),
        (
            {"grouping_key": "x" * 201},
            422,
            "validation_failed",
            "grouping_key",
            "the grouping key is longer than 200 characters",
        ),
        (
            {"runbook_url": "ftp://x"},
            422,
            "validation_failed",
            "runbook_url",
            "not an http(s) address",
        ),
        ({"position": -1}, 422, "validation_failed", "position", "between 0 and 1,000,000"),
        (
            {"team": "platform"},
            403,
            "permission_denied",
            "team",
            "only an admin, or a lead for their own team, may add routing rules",
        ),
        ({"team": None}, 403, "permission_denied", "team", "may add routing rules"),
        ({"integration": 999}, 422, "validation_failed", "integration", "no integration 999"),
    ],
)
def test_a_bad_rule_is_refused_and_nothing_is_created(
    api_as, lead, payments, platform, body, status, code, field, message
):
    with nothing_changes():
        response = api_as(lead).post("/rules", {"name": "R", "team": "payments", **body})
    assert_error(response, status, code, field=field, message_contains=message)


def test_rules_are_listed_in_evaluation_order(api_as, member, admin):
    create_rule(by=admin, name="Later", position=50, matchers=[])
    create_rule(by=admin, name="First", position=5, matchers=[])
    assert [r["name"] for r in api_as(member).get("/rules").json()] == ["First", "Later"]


def test_a_rule_is_changed_and_deleted(api_as, lead, payments, p1, prometheus):
    rule = create_rule(
        by=lead, name="Payments", team=payments, integration=prometheus, matchers=[], severity=p1
    )
    client = api_as(lead)
    response = client.patch(
        f"/rules/{rule.pk}",
        {
            "matchers": ["labels.severity = critical"],
            "severity": None,
            "enabled": False,
            "position": 5,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["matchers"] == [{"field": "labels.severity", "op": "=", "value": "critical"}]
    assert body["severity"] is None and body["enabled"] is False and body["position"] == 5
    with nothing_changes():
        assert_error(
            client.patch(f"/rules/{rule.pk}", {"name": None}),
            422,
            "validation_failed",
            field="name",
        )
        assert_error(
            client.patch(f"/rules/{rule.pk}", {"team": "platform"}),
            422,
            "validation_failed",
            field="team",
        )
    response = client.delete(f"/rules/{rule.pk}")
    assert response.status_code == 204
    assert not RoutingRule.objects.exists()
    assert_error(client.delete(f"/rules/{rule.pk}"), 404, "not_found")


def test_a_lead_cannot_take_over_another_teams_rule(api_as, lead, admin, payments, platform):
    rule = create_rule(by=admin, name="Platform", team=platform, matchers=[])
    with nothing_changes():
        assert_error(
            api_as(lead).patch(f"/rules/{rule.pk}", {"team": "payments"}), 403, "permission_denied"
        )
        assert_error(api_as(lead).delete(f"/rules/{rule.pk}"), 403, "permission_denied")


# ---------------------------------------------------------------------------------------------
# Severity mapping


def test_the_severity_mapping_is_listed_per_kind(api_as, member, severities):
    rows = api_as(member).get("/severity-mappings", kind="pagerduty").json()
    assert [(r["value"], r["severity"]["key"]) for r in rows] == [
        ("critical", "P1"),
        ("error", "P2"),
        ("warning", "P3"),
        ("info", "P5"),
    ]
    assert_error(
        api_as(member).get("/severity-mappings", kind="nope"),
        422,
        "validation_failed",
        field="kind",
    )


def put_mapping(client: ApiClient, kind: str, value: str, severity):
    """ApiClient speaks get/post/patch/delete; PUT goes through its Django test client."""
    return client.client.put(
        f"/api/v1/severity-mappings/{kind}/{value}",
        json.dumps({"severity": severity}),
        content_type="application/json",
    )


def test_admins_set_and_remove_a_mapping(api_as, admin, lead, severities):
    with nothing_changes():
        response = put_mapping(api_as(lead), "alertmanager", "disaster", "P1")
    assert_error(response, 403, "permission_denied", message_contains="only an admin may do this")

    response = put_mapping(api_as(admin), "alertmanager", "Disaster", "P1")
    assert response.status_code == 200
    assert response.json() == {
        "kind": "alertmanager",
        "value": "disaster",
        "severity": {"key": "P1", "name": "Critical"},
    }
    assert put_mapping(api_as(admin), "alertmanager", "disaster", None).status_code == 204
    assert not SeverityMapping.objects.filter(value="disaster").exists()
    with nothing_changes():
        response = put_mapping(api_as(admin), "nagios", "down", "P1")
    assert_error(response, 422, "validation_failed", field="kind")


# ---------------------------------------------------------------------------------------------
# Maintenance windows


def test_maintenance_scheduled_through_the_api_suppresses_alerts(
    api_as, member, prometheus, firing, checkout
):
    with time_machine.travel(NOW, tick=False):
        response = api_as(member).post(
            "/maintenance",
            {
                "service": "checkout",
                "starts_at": "2026-11-24T12:30+01:00",
                "ends_at": "2026-11-24T14:00+01:00",
                "reason": "PostgreSQL 16 upgrade",
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["starts_at"] == "2026-11-24T11:30:00Z"
        assert body["ends_at"] == "2026-11-24T13:00:00Z"
        assert body["state"] == "current"
        assert body["service"] == {"slug": "checkout", "name": "Checkout"}
        assert body["created_by"]["email"] == member.email

        [outcome] = ingest(integration=prometheus, alerts=[firing()])
    assert outcome.incident is None
    assert not Incident.objects.exists()
    alert = Alert.objects.get()
    assert alert.suppressed_by_id == body["id"]
    assert outcome.decisions[-1] == (
        "Suppressed: Checkout is in maintenance (PostgreSQL 16 upgrade) until 2026-11-24 13:00 "
        "UTC; no incident, no page"
    )
    shown = api_as(member).get(f"/alerts/{alert.pk}").json()
    assert shown["suppressed"] is True
    assert shown["maintenance"]["reason"] == "PostgreSQL 16 upgrade"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_at": "2026-11-24T22:00"}, "starts_at", "needs a date, a time and a time zone"),
        ({"ends_at": "2026-11-24T21:00+00:00"}, "ends_at", "the window must end after it starts"),
        ({"starts_at": "next tuesday"}, "starts_at", "starts_at: Input should be a valid datetime"),
        ({"reason": ""}, "reason", "say why"),
        ({"reason": "x" * 201}, "reason", "the reason is longer than 200 characters"),
        ({"service": "nope"}, "service", "unknown service 'nope'"),
        (
            {"starts_at": "2026-11-20T10:00Z", "ends_at": "2026-11-20T11:00Z"},
            "ends_at",
            "the window would already be over",
        ),
    ],
)
def test_a_bad_window_is_refused_and_nothing_is_scheduled(
    api_as, member, checkout, changes, field, message
):
    body = {
        "service": "checkout",
        "starts_at": "2026-11-24T22:00+00:00",
        "ends_at": "2026-11-25T02:00+00:00",
        "reason": "Upgrade",
        **changes,
    }
    with time_machine.travel(NOW, tick=False), nothing_changes():
        response = api_as(member).post("/maintenance", body)
    assert_error(response, 422, "validation_failed", field=field, message_contains=message)


def test_an_outsider_cannot_schedule_or_end_maintenance(api_as, outsider, member, checkout):
    body = {
        "service": "checkout",
        "starts_at": "2026-11-24T22:00+00:00",
        "ends_at": "2026-11-25T02:00+00:00",
        "reason": "Upgrade",
    }
    with time_machine.travel(NOW, tick=False):
        with nothing_changes():
            response = api_as(outsider).post("/maintenance", body)
        assert_error(
            response,
            403,
            "permission_denied",
            message_contains="only members of Payments may schedule maintenance for Checkout",
        )
        window = api_as(member).post("/maintenance", body).json()
        with nothing_changes():
            response = api_as(outsider).post(f"/maintenance/{window['id']}/end")
        assert_error(response, 403, "permission_denied")


def test_windows_are_listed_by_state_and_ended(api_as, member, checkout):
    client = api_as(member)
    with time_machine.travel(NOW, tick=False):
        running = client.post(
            "/maintenance",
            {
                "service": "checkout",
                "starts_at": "2026-11-24T11:00Z",
                "ends_at": "2026-11-24T13:00Z",
                "reason": "Running",
            },
        ).json()
        upcoming = client.post(
            "/maintenance",
            {
                "service": "checkout",
                "starts_at": "2026-11-25T11:00Z",
                "ends_at": "2026-11-25T13:00Z",
                "reason": "Later",
            },
        ).json()
        assert [w["reason"] for w in client.get("/maintenance", state="current").json()] == [
            "Running"
        ]
        assert [w["reason"] for w in client.get("/maintenance", state="upcoming").json()] == [
            "Later"
        ]
        assert_error(
            client.get("/maintenance", state="soon"), 422, "validation_failed", field="state"
        )

        ended = client.post(f"/maintenance/{running['id']}/end").json()
        assert ended["state"] == "past" and ended["ends_at"] == "2026-11-24T12:00:00Z"
        assert_error(
            client.post(f"/maintenance/{running['id']}/end"),
            409,
            "conflict",
            message_contains="this window is already over",
        )
        cancelled = client.post(f"/maintenance/{upcoming['id']}/end").json()
        assert cancelled == {**cancelled, "id": upcoming["id"], "state": "cancelled"}
        assert not MaintenanceWindow.objects.filter(pk=upcoming["id"]).exists()
        assert_error(client.post("/maintenance/999/end"), 404, "not_found")


def test_a_window_ended_the_instant_it_starts_is_cancelled(api_as, member, checkout):
    client = api_as(member)
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        window = client.post(
            "/maintenance",
            {
                "service": "checkout",
                "starts_at": "2026-11-24T12:00Z",
                "ends_at": "2026-11-24T13:00Z",
                "reason": "Failover test",
            },
        ).json()
    with time_machine.travel(NOW, tick=False):
        ended = client.post(f"/maintenance/{window['id']}/end").json()
    assert (ended["id"], ended["state"]) == (window["id"], "cancelled")
    assert not MaintenanceWindow.objects.exists()


# ---------------------------------------------------------------------------------------------
# The published schema


def test_the_alerting_operation_ids_stay_those_clients_were_generated_from(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    ids = {
        op["operationId"]
        for ops in paths.values()
        for op in ops.values()
        if "alerting" in op["tags"]
    }
    assert ids == {
        f"tocsin_alerting_api_{name}"
        for name in (
            "list_integrations",
            "create_integration",
            "get_integration",
            "update_integration",
            "rotate_token",
            "list_alerts",
            "get_alert",
            "list_changes",
            "list_rules",
            "create_rule",
            "update_rule",
            "delete_rule",
            "list_severity_mappings",
            "set_severity_mapping",
            "list_maintenance",
            "create_maintenance",
            "end_maintenance",
        )
    }
