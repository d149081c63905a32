"""Managing alert intake from the web: integrations, alerts and why, rules, maintenance."""

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.support.web import form_errors, page_text
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import (
    Alert,
    Integration,
    Kind,
    MaintenanceWindow,
    RoutingRule,
    SeverityMapping,
)
from tocsin.alerting.services import create_rule, schedule_maintenance
from tocsin.alerting.sources import Action, ParsedAlert

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"


def url_of(integration) -> str:
    return f"{settings.BASE_URL}/api/v1/integrations/{integration.token}/{integration.kind}"


# ---------------------------------------------------------------------------------------------
# Navigation and the integration list


def test_the_main_navigation_leads_to_alerts_and_integrations(signed_in, member):
    body = signed_in(member).get(reverse("incident-list")).content.decode()
    assert f'<a href="{reverse("alert-list")}">Alerts</a>' in body
    assert f'<a href="{reverse("integration-list")}">Integrations</a>' in body


def test_the_integration_list_shows_each_integration_with_its_kind_team_and_alerts(
    signed_in, member, prometheus, firing
):
    ingest(integration=prometheus, alerts=[firing("a"), firing("b")])
    text = page_text(signed_in(member).get(reverse("integration-list")))
    assert "Prometheus Enabled Prometheus Alertmanager" in text
    assert "Payments · Checkout" in text
    assert "2 firing 2 alerts" in text


def test_only_admins_and_leads_are_offered_to_create_an_integration(
    signed_in, member, lead, prometheus
):
    assert "New integration" not in page_text(signed_in(member).get(reverse("integration-list")))
    assert "New integration" in page_text(signed_in(lead).get(reverse("integration-list")))


# ---------------------------------------------------------------------------------------------
# Creating an integration


def test_a_lead_creates_an_integration_and_its_page_shows_a_snippet_with_the_real_url(
    signed_in, lead, payments, checkout, severities
):
    client = signed_in(lead)
    response = client.post(
        reverse("integration-create"),
        {
            "kind": "alertmanager",
            "name": "Prometheus production",
            "team": payments.pk,
            "service": checkout.pk,
        },
    )
    integration = Integration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("integration-detail", args=[integration.pk])
    assert (integration.kind, integration.team, integration.service) == (
        Kind.ALERTMANAGER,
        payments,
        checkout,
    )

    page = client.get(response["Location"])
    text = page_text(page)
    assert "Integration Prometheus production created" in text
    snippet = re.search(
        r"<pre class=\"code\"[^>]*><code>(.*?)</code></pre>", page.content.decode(), re.S
    )
    yaml = html.unescape(snippet.group(1))
    assert f'- url: "{url_of(integration)}"' in yaml
    assert "send_resolved: true" in yaml
    assert f'value="{url_of(integration)}"' in page.content.decode()


def test_a_plain_member_cannot_create_an_integration_for_their_team(signed_in, member, payments):
    response = signed_in(member).post(
        reverse("integration-create"),
        {"kind": "generic", "name": "Scripts", "team": payments.pk},
    )
    assert response.status_code == 200
    assert "only an admin or a lead of Payments may change its alerting" in page_text(response)
    assert not Integration.objects.exists()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"kind": "nagios", "name": "x"}, "Select a valid choice. nagios is not one of"),
        ({"kind": "generic", "name": "  "}, "This field is required."),
        ({"kind": "heartbeat", "name": "Backup"}, "a heartbeat needs an interval"),
        (
            {"kind": "heartbeat", "name": "Backup", "heartbeat_interval": "soon"},
            "is not a duration",
        ),
        (
            {"kind": "heartbeat", "name": "Backup", "heartbeat_interval": "5s"},
            "at least 10 seconds",
        ),
        (
            {"kind": "grafana", "name": "G", "signature_header": "X Bad"},
            "is not an HTTP header name",
        ),
    ],
)
def test_a_bad_integration_form_says_what_is_wrong_and_creates_nothing(
    signed_in, lead, payments, data, field_error
):
    response = signed_in(lead).post(reverse("integration-create"), {"team": payments.pk, **data})
    assert response.status_code == 200
    assert any(field_error in error for error in form_errors(response)), form_errors(response)
    assert not Integration.objects.exists()


def test_a_heartbeat_is_created_with_its_interval_and_grace(signed_in, lead, payments):
    signed_in(lead).post(
        reverse("integration-create"),
        {
            "kind": "heartbeat",
            "name": "Nightly backup",
            "team": payments.pk,
            "heartbeat_interval": "1h",
            "heartbeat_grace": "10m",
        },
    )
    heartbeat = Integration.objects.get()
    assert heartbeat.heartbeat_interval == timedelta(hours=1)
    assert heartbeat.heartbeat_grace == timedelta(minutes=10)


# ---------------------------------------------------------------------------------------------
# The integration page


def test_people_who_may_not_manage_the_team_see_the_token_masked(
    signed_in, outsider, member, prometheus
):
    for person in (outsider, member):
        response = signed_in(person).get(reverse("integration-detail", args=[prometheus.pk]))
        body = response.content.decode()
        assert prometheus.token not in body
        assert "/api/v1/integrations/••••••••/alertmanager" in html.unescape(body)
        assert "only admins and leads of Payments can see it" in page_text(response)
        assert reverse("integration-rotate", args=[prometheus.pk]) not in body
        assert reverse("integration-update", args=[prometheus.pk]) not in body


def test_admins_see_the_token(signed_in, admin, prometheus):
    body = signed_in(admin).get(reverse("integration-detail", args=[prometheus.pk])).content
    assert url_of(prometheus) in body.decode()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "grafana",
            [
                "Integration: Webhook",
                "{url}",
                "HMAC Signature → Secret: s3cret",
                "X-Grafana-Alerting-Signature-Timestamp",
                "Disable resolved message: off",
            ],
        ),
        ("datadog", ["{url}", '"aggreg_key": "$AGGREG_KEY"', "@webhook-tocsin"]),
        (
            "checkly",
            [
                "URL: {url}",
                "Webhook secret: s3cret",
                '"check_id": "{{{{CHECK_ID}}}}"',
                "Failure, Degradation, Recovery",
            ],
        ),
        ("generic", ["{url}", "X-Tocsin-Signature: $signature", "openssl dgst -sha256 -hmac"]),
        (
            "pagerduty",
            [
                "change only the URL",
                "Events API URL: {base}/v2/enqueue",
                "Integration (routing) key: {token}",
                "pagerduty_configs:",
                'routing_key: "{token}"',
                'url: "{base}/v2/enqueue"',
                "send_resolved: true",
                '"event_action": "trigger"',
            ],
        ),
    ],
)
def test_each_kind_gets_a_ready_configuration_snippet(
    signed_in, lead, payments, severities, kind, expected
):
    integration = Integration.objects.create(
        kind=kind,
        name=kind.title(),
        team=payments,
        signing_secret="s3cret",
        signature_header="X-Grafana-Alerting-Signature" if kind == "grafana" else "",
    )
    text = page_text(signed_in(lead).get(reverse("integration-detail", args=[integration.pk])))
    for piece in expected:
        piece = piece.format(
            url=url_of(integration), base=settings.BASE_URL, token=integration.token
        )
        assert " ".join(piece.split()) in text


def test_a_heartbeat_page_shows_curl_cron_the_watchdog_receiver_and_its_deadline(
    signed_in, lead, payments, severities
):
    heartbeat = Integration.objects.create(
        kind="heartbeat",
        name="Backup",
        team=payments,
        heartbeat_interval=timedelta(minutes=10),
        last_ping_at=NOW - timedelta(minutes=3),
    )
    with time_machine.travel(NOW, tick=False):
        text = page_text(signed_in(lead).get(reverse("integration-detail", args=[heartbeat.pk])))
    url = url_of(heartbeat)
    assert f'curl -fsS -m 10 --retry 3 -X POST "{url}"' in text
    assert (
        f'*/10 * * * * /usr/local/bin/backup.sh && curl -fsS -m 10 --retry 3 -X POST "{url}"'
        in text
    )
    assert 'alertname = "Watchdog"' in text and "receiver: tocsin-heartbeat" in text
    assert "Healthy: pinging on time." in text
    assert "Last ping 24 Nov, 11:57 UTC (3 min ago)" in text
    assert "Next deadline 24 Nov, 12:08" in text


def test_a_signing_secret_on_a_source_that_cannot_sign_is_pointed_out(signed_in, lead, prometheus):
    prometheus.signing_secret = "s3cret"
    prometheus.save()
    text = page_text(signed_in(lead).get(reverse("integration-detail", args=[prometheus.pk])))
    assert (
        "Prometheus Alertmanager cannot sign its requests, but this integration has a signing "
        "secret: every request is refused with 401."
    ) in text


def test_an_overdue_heartbeat_says_so(signed_in, lead, payments, severities):
    heartbeat = Integration.objects.create(
        kind="heartbeat",
        name="Backup",
        team=payments,
        heartbeat_interval=timedelta(minutes=10),
        last_ping_at=NOW - timedelta(hours=1),
    )
    with time_machine.travel(NOW, tick=False):
        text = page_text(signed_in(lead).get(reverse("integration-detail", args=[heartbeat.pk])))
    assert "Overdue: no ping since the deadline" in text


def test_the_integration_page_lists_its_recent_alerts(signed_in, member, prometheus, firing):
    ingest(integration=prometheus, alerts=[firing("db1", alertname="DiskFull")])
    text = page_text(signed_in(member).get(reverse("integration-detail", args=[prometheus.pk])))
    assert "DiskFull on db1" in text
    assert "All 1 alert" in text


def test_a_lead_changes_the_settings(signed_in, lead, prometheus, p1):
    response = signed_in(lead).post(
        reverse("integration-update", args=[prometheus.pk]),
        {
            "name": "Prometheus EU",
            "auto_resolve": "",
            "reopen_window": "1h",
            "rate_limit_per_minute": "120",
            "service": "",
            "severity": p1.pk,
            "signing_secret": "",
            "signature_header": "",
        },
    )
    assert response.status_code == 302
    prometheus.refresh_from_db()
    assert prometheus.name == "Prometheus EU"
    assert not prometheus.enabled and not prometheus.auto_resolve
    assert prometheus.reopen_window == timedelta(hours=1)
    assert prometheus.rate_limit_per_minute == 120
    assert prometheus.service is None and prometheus.severity == p1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"rate_limit_per_minute": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"reopen_window": "forever"}, "is not a duration"),
        ({"reopen_window": "8d"}, "the reopen window must be between 0 minutes and 7 days"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(signed_in, lead, prometheus, changes, error):
    before = Integration.objects.filter(pk=prometheus.pk).values().get()
    data = {
        "name": "Prometheus",
        "enabled": "on",
        "auto_resolve": "on",
        "reopen_window": "30m",
        "rate_limit_per_minute": "600",
        **changes,
    }
    response = signed_in(lead).post(reverse("integration-update", args=[prometheus.pk]), data)
    assert response.status_code == 422
    assert any(error in e for e in form_errors(response)), form_errors(response)
    assert Integration.objects.filter(pk=prometheus.pk).values().get() == before


def test_a_member_cannot_change_the_settings(signed_in, member, prometheus):
    response = signed_in(member).post(
        reverse("integration-update", args=[prometheus.pk]),
        {"name": "Mine now", "reopen_window": "30m", "rate_limit_per_minute": "1"},
        follow=True,
    )
    assert "only an admin or a lead of Payments may change its alerting" in page_text(response)
    prometheus.refresh_from_db()
    assert prometheus.name == "Prometheus" and prometheus.rate_limit_per_minute == 600


def test_rotating_the_token_needs_a_confirmation(signed_in, lead, prometheus):
    token = prometheus.token
    response = signed_in(lead).post(reverse("integration-rotate", args=[prometheus.pk]), {})
    assert "The token was not rotated: tick the box to confirm." in page_text(response)
    prometheus.refresh_from_db()
    assert prometheus.token == token


def test_rotating_the_token_retires_the_old_url(signed_in, client, lead, prometheus):
    old_url = f"/api/v1/integrations/{prometheus.token}/alertmanager"
    response = signed_in(lead).post(
        reverse("integration-rotate", args=[prometheus.pk]), {"confirm": "on"}, follow=True
    )
    prometheus.refresh_from_db()
    assert "has a new URL; the old one no longer works" in page_text(response)
    assert url_of(prometheus) in response.content.decode()
    refused = client.post(old_url, {"alerts": []}, content_type="application/json")
    assert refused.status_code == 404


def test_a_member_cannot_rotate_the_token(signed_in, member, prometheus):
    token = prometheus.token
    response = signed_in(member).post(
        reverse("integration-rotate", args=[prometheus.pk]), {"confirm": "on"}, follow=True
    )
    assert "only an admin or a lead of Payments may change its alerting" in page_text(response)
    prometheus.refresh_from_db()
    assert prometheus.token == token


# ---------------------------------------------------------------------------------------------
# Alerts and why they went where they did


@pytest.fixture
def maintenance(checkout, lead):
    return MaintenanceWindow.objects.create(
        service=checkout,
        starts_at=NOW - timedelta(hours=1),
        ends_at=NOW + timedelta(hours=2),
        reason="PostgreSQL 16 upgrade",
        created_by=lead,
    )


def test_the_alert_list_shows_newest_first_with_count_severity_team_and_incident(
    signed_in, member, prometheus, firing
):
    with time_machine.travel(NOW - timedelta(minutes=10), tick=False):
        [old] = ingest(integration=prometheus, alerts=[firing("db1", alertname="DiskFull")])
    with time_machine.travel(NOW, tick=False):
        ingest(
            integration=prometheus,
            alerts=[firing("api", alertname="HighLatency", severity="warning")],
        )
        ingest(
            integration=prometheus,
            alerts=[firing("api", alertname="HighLatency", severity="warning")],
        )
        text = page_text(signed_in(member).get(reverse("alert-list")))
    assert text.index("HighLatency on api") < text.index("DiskFull on db1")
    assert "P3 Moderate HighLatency on api ×2 Prometheus · Payments · Checkout Firing" in text
    assert f"Incident {old.incident.reference}" in text


def test_the_alert_list_filters_by_status_integration_team_and_suppression(
    signed_in, member, prometheus, firing, resolved, maintenance, platform
):
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        ingest(integration=prometheus, alerts=[firing("a", alertname="Before")])
        ingest(integration=prometheus, alerts=[resolved("a")])
    with time_machine.travel(NOW, tick=False):
        ingest(integration=prometheus, alerts=[firing("b", alertname="During")])
    client = signed_in(member)

    suppressed = page_text(client.get(reverse("alert-list"), {"suppressed": "yes"}))
    assert "During on b" in suppressed and "Before on a" not in suppressed
    assert "Suppressed: Checkout is in maintenance (PostgreSQL 16 upgrade)" in suppressed
    not_suppressed = page_text(client.get(reverse("alert-list"), {"suppressed": "no"}))
    assert "Before on a" in not_suppressed and "During on b" not in not_suppressed
    resolved_only = page_text(client.get(reverse("alert-list"), {"status": "resolved"}))
    assert "Before on a" in resolved_only and "During on b" not in resolved_only
    assert "1 alert match these filters" in resolved_only
    by_team = page_text(client.get(reverse("alert-list"), {"team": "platform"}))
    assert "No alerts match" in by_team
    other = page_text(client.get(reverse("alert-list"), {"integration": prometheus.pk + 1}))
    assert "2 alerts" in other  # an unknown integration is ignored, not an error


def test_the_alert_page_explains_every_decision(signed_in, member, admin, prometheus, firing, p1):
    create_rule(
        by=admin,
        name="Critical checkout",
        position=10,
        matchers=[{"field": "labels.severity", "op": "=", "value": "critical"}],
        severity=p1,
        runbook_url="https://runbooks.example.org/checkout",
    )
    with time_machine.travel(NOW, tick=False):
        [first] = ingest(integration=prometheus, alerts=[firing("fp-1", env="prod")])
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        ingest(integration=prometheus, alerts=[firing("fp-1", env="prod")])
    alert = first.alert
    response = signed_in(member).get(reverse("alert-detail", args=[alert.pk]))
    text = page_text(response)

    assert "Matched rule #10 Critical checkout : labels.severity = 'critical'" in text
    assert "Matched rule #10 'Critical checkout' (labels.severity = 'critical')" in text
    assert "Severity P1 set by the rule" in text
    assert (
        f"Opened {first.incident.reference} (grouping key 'alert:checkout/CheckoutErrors')" in text
    )
    assert "Deduplicated: same fingerprint as the open alert, now seen 2 times" in text
    assert f"Still part of {first.incident.reference}" in text
    assert "Received 2 times" in text
    assert "Grouping key alert:checkout/CheckoutErrors" in text
    assert f"{first.incident.reference} Checkout returns" not in text  # the alert's own title
    assert f"{first.incident.reference} CheckoutErrors on fp-1 Triggered" in text
    assert "Runbook https://runbooks.example.org/checkout" in text
    assert "env prod" in text and "severity critical" in text
    assert text.count("Raw payload") == 2


def test_the_alert_page_names_the_maintenance_window_that_suppressed_it(
    signed_in, member, prometheus, firing, maintenance
):
    with time_machine.travel(NOW, tick=False):
        [outcome] = ingest(integration=prometheus, alerts=[firing()])
    text = page_text(signed_in(member).get(reverse("alert-detail", args=[outcome.alert.pk])))
    assert (
        "Suppressed: Checkout is in maintenance (PostgreSQL 16 upgrade) until 2026-11-24 14:00 "
        "UTC; no incident, no page"
    ) in text
    assert "Maintenance window: Checkout: PostgreSQL 16 upgrade" in text
    assert "None: suppressed alerts open no incident and page nobody." in text


def test_the_raw_payload_is_pretty_printed_and_escaped(signed_in, member, prometheus):
    raw = {"labels": {"alertname": SCRIPT}, "annotations": {"summary": "a & b"}}
    [outcome] = ingest(
        integration=prometheus,
        alerts=[
            ParsedAlert(
                fingerprint="x",
                action=Action.TRIGGER,
                summary=SCRIPT,
                labels={"alertname": SCRIPT},
                description=SCRIPT,
                links=[
                    {"href": "javascript:alert(1)", "text": "Click"},
                    {"href": "https://grafana.example.org/d/1", "text": "Dashboard"},
                ],
                raw=raw,
            )
        ],
    )
    body = signed_in(member).get(reverse("alert-detail", args=[outcome.alert.pk])).content.decode()
    assert SCRIPT not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    pretty = html.escape(json.dumps(raw, indent=2, ensure_ascii=False))
    assert pretty in body
    assert 'href="javascript:' not in body
    assert (
        '<a href="https://grafana.example.org/d/1" rel="noopener noreferrer" target="_blank">'
        "Dashboard</a>" in body
    )


def test_a_label_called_items_is_shown_like_any_other(signed_in, member, prometheus, firing):
    [outcome] = ingest(integration=prometheus, alerts=[firing(items="3")])
    text = page_text(signed_in(member).get(reverse("alert-detail", args=[outcome.alert.pk])))
    assert "items 3" in text


def test_an_unknown_alert_is_404(signed_in, member, db):
    assert signed_in(member).get(reverse("alert-detail", args=[999])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Routing rules


def rule_form(**overrides):
    return {
        "name": "Critical to Payments",
        "position": "10",
        "matchers": "",
        "integration": "",
        "team": "",
        "service": "",
        "severity": "",
        "runbook_url": "",
        "grouping_key": "",
        "enabled": "on",
        **overrides,
    }


def test_a_rule_is_created_from_matchers_written_as_text(signed_in, lead, payments, p1, prometheus):
    response = signed_in(lead).post(
        reverse("rule-create"),
        rule_form(
            matchers="labels.severity = critical\nlabels.env =~ prod|staging\n\nlabels.team exists",
            integration=prometheus.pk,
            team=payments.pk,
            severity=p1.pk,
            grouping_key="{labels.cluster}/{labels.alertname}",
        ),
    )
    rule = RoutingRule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('rule-list')}#rule-{rule.pk}"
    assert rule.matchers == [
        {"field": "labels.severity", "op": "=", "value": "critical"},
        {"field": "labels.env", "op": "=~", "value": "prod|staging"},
        {"field": "labels.team", "op": "exists", "value": ""},
    ]
    assert (rule.position, rule.team, rule.severity) == (10, payments, p1)
    assert rule.grouping_key == "{labels.cluster}/{labels.alertname}"


def test_a_rule_created_disabled_is_written_once_and_never_enabled(
    signed_in, lead, payments, prometheus, rule_writes
):
    response = signed_in(lead).post(
        reverse("rule-create"),
        rule_form(integration=prometheus.pk, team=payments.pk, enabled=""),
    )
    assert response.status_code == 302
    assert rule_writes == [(True, False)]
    assert not RoutingRule.objects.get().enabled


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"matchers": "labels.severity = critical\nlabels.env =~ (prod"},
            "line 2: value is not a valid regex: missing ): (prod",
        ),
        (
            {"matchers": "labels.severity critical"},
            "line 1: 'labels.severity critical' is not field op value, "
            "where op is =, !=, =~, !~, exists or !exists",
        ),
        (
            {"matchers": "hostname = web-1"},
            "line 1: field 'hostname' is not labels.<name>, annotations.<name>, or one of",
        ),
        (
            {"matchers": "labels.env ="},
            "line 1: 'labels.env =' has no value; write \"\" to match an empty one",
        ),
        ({"grouping_key": "{labels.cluster"}, "the grouping key is not a template"),
        ({"grouping_key": "{hostname}"}, "the grouping key names {hostname}"),
        ({"runbook_url": "javascript:alert(1)"}, "'javascript:alert(1)' is not an http(s) address"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_bad_rule_is_a_form_error_and_creates_nothing(
    signed_in, lead, payments, overrides, error
):
    response = signed_in(lead).post(
        reverse("rule-create"), rule_form(team=payments.pk, **overrides)
    )
    assert response.status_code == 422
    assert any(error in e for e in form_errors(response)), form_errors(response)
    assert not RoutingRule.objects.exists()


def test_a_member_may_not_add_rules(signed_in, member, payments):
    response = signed_in(member).post(
        reverse("rule-create"), rule_form(team=payments.pk), follow=True
    )
    assert "only an admin, or a lead for their own team, may add routing rules" in page_text(
        response
    )
    assert not RoutingRule.objects.exists()


def test_the_rules_page_shows_rules_in_order_readably(
    signed_in, member, admin, payments, p1, prometheus
):
    create_rule(
        by=admin,
        name="Quiet staging",
        position=20,
        suppress=True,
        matchers=[{"field": "labels.env", "op": "=", "value": "staging"}],
    )
    create_rule(
        by=admin,
        name="Critical",
        position=10,
        team=payments,
        severity=p1,
        integration=prometheus,
        matchers=[
            {"field": "labels.severity", "op": "=", "value": "critical"},
            {"field": "labels.team", "op": "exists", "value": ""},
        ],
    )
    text = page_text(signed_in(member).get(reverse("rule-list")))
    assert text.index("#10 Critical") < text.index("#20 Quiet staging")
    assert (
        "When labels.severity = 'critical' and labels.team exists from Prometheus "
        "Then team Payments · severity P1 Critical"
    ) in text
    assert "Then store the alert, open no incident, page nobody" in text
    assert "Admins, and team leads for their own team, can add and change routing rules." in text


def test_rules_move_up_and_down(signed_in, admin):
    first = create_rule(by=admin, name="First", matchers=[], position=100)
    second = create_rule(by=admin, name="Second", matchers=[], position=100)
    third = create_rule(by=admin, name="Third", matchers=[], position=100)
    client = signed_in(admin)
    response = client.post(reverse("rule-move", args=[third.pk]), {"direction": "up"}, follow=True)
    assert "Rule Third moved up (now #20)." in page_text(response)
    order = list(RoutingRule.objects.order_by("position", "id").values_list("name", "position"))
    assert order == [("First", 10), ("Third", 20), ("Second", 30)]
    response = client.post(reverse("rule-move", args=[first.pk]), {"direction": "up"}, follow=True)
    assert "First is already the first rule" in page_text(response)
    client.post(reverse("rule-move", args=[first.pk]), {"direction": "down"})
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["Third", "First", "Second"]
    assert second.pk


def test_a_rule_is_edited_and_deleted(signed_in, lead, payments, prometheus):
    rule = create_rule(by=lead, name="Payments", team=payments, integration=prometheus, matchers=[])
    client = signed_in(lead)
    form = client.get(reverse("rule-edit", args=[rule.pk]))
    assert "Edit rule" in page_text(form)
    client.post(
        reverse("rule-edit", args=[rule.pk]),
        rule_form(
            name="Payments critical",
            integration=prometheus.pk,
            team=payments.pk,
            matchers="labels.severity = critical",
            enabled="",
        ),
    )
    rule.refresh_from_db()
    assert rule.name == "Payments critical" and not rule.enabled
    assert rule.matchers == [{"field": "labels.severity", "op": "=", "value": "critical"}]
    response = client.post(reverse("rule-delete", args=[rule.pk]), follow=True)
    assert "Rule #10 Payments critical deleted." in page_text(response)
    assert not RoutingRule.objects.exists()


def test_a_lead_cannot_delete_another_teams_rule(signed_in, lead, admin, platform):
    rule = create_rule(by=admin, name="Platform", team=platform, matchers=[])
    response = signed_in(lead).post(reverse("rule-delete", args=[rule.pk]), follow=True)
    assert "only an admin, or a lead of the rule's team, may delete it" in page_text(response)
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


def test_the_severity_mapping_table_is_shown_and_admins_edit_it(signed_in, admin, severities):
    client = signed_in(admin)
    text = page_text(client.get(reverse("rule-list")))
    assert "Prometheus Alertmanager Source says Severity critical P1 Critical" in text
    response = client.post(
        reverse("severity-mapping-set"),
        {"kind": "alertmanager", "value": "Disaster", "severity": severities["P1"].pk},
        follow=True,
    )
    assert "Prometheus Alertmanager: 'disaster' now means P1 Critical." in page_text(response)
    assert SeverityMapping.objects.get(kind="alertmanager", value="disaster").severity.key == "P1"
    client.post(
        reverse("severity-mapping-set"),
        {"kind": "alertmanager", "value": "disaster", "severity": ""},
    )
    assert not SeverityMapping.objects.filter(kind="alertmanager", value="disaster").exists()


def test_only_admins_edit_the_severity_mapping(signed_in, lead, severities):
    before = list(SeverityMapping.objects.values_list("kind", "value", "severity"))
    response = signed_in(lead).post(
        reverse("severity-mapping-set"),
        {"kind": "alertmanager", "value": "critical", "severity": severities["P5"].pk},
        follow=True,
    )
    assert "only an admin may do this" in page_text(response)
    assert list(SeverityMapping.objects.values_list("kind", "value", "severity")) == before


# ---------------------------------------------------------------------------------------------
# Maintenance windows


def test_a_window_is_scheduled_in_the_users_own_time_zone(signed_in, member, checkout):
    member.time_zone = "Europe/Berlin"
    member.save()
    with time_machine.travel(NOW, tick=False):
        response = signed_in(member).post(
            reverse("maintenance-create"),
            {
                "service": checkout.pk,
                "starts_at": "2026-11-24T22:00",
                "ends_at": "2026-11-25T02:00",
                "reason": "PostgreSQL 16 upgrade",
            },
            follow=True,
        )
    window = MaintenanceWindow.objects.get()
    assert window.starts_at == datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    assert window.ends_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert window.created_by == member
    text = page_text(response)
    assert "Maintenance scheduled for Checkout" in text
    assert "Times in Europe/Berlin" in text
    assert "Checkout PostgreSQL 16 upgrade Tue 24 Nov 2026, 22:00 – Wed 25 Nov 2026, 02:00" in text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"ends_at": "2026-11-24T21:00"}, "the window must end after it starts"),
        ({"starts_at": "tomorrow"}, "Enter a valid date/time."),
        ({"reason": " "}, "This field is required."),
        (
            {"starts_at": "2026-11-20T10:00", "ends_at": "2026-11-20T11:00"},
            "the window would already be over",
        ),
    ],
)
def test_a_bad_window_is_a_form_error_and_schedules_nothing(
    signed_in, member, checkout, data, error
):
    with time_machine.travel(NOW, tick=False):
        response = signed_in(member).post(
            reverse("maintenance-create"),
            {
                "service": checkout.pk,
                "starts_at": "2026-11-24T22:00",
                "ends_at": "2026-11-25T02:00",
                "reason": "Upgrade",
                **data,
            },
        )
    assert response.status_code == 422
    assert any(error in e for e in form_errors(response)), form_errors(response)
    assert not MaintenanceWindow.objects.exists()


def test_a_time_skipped_by_the_clock_change_is_refused(signed_in, member, checkout):
    member.time_zone = "Europe/Berlin"
    member.save()
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=UTC), tick=False):
        response = signed_in(member).post(
            reverse("maintenance-create"),
            {
                "service": checkout.pk,
                "starts_at": "2027-03-28T02:30",
                "ends_at": "2027-03-28T04:00",
                "reason": "Upgrade",
            },
        )
    assert response.status_code == 422
    assert any(
        "2027-03-28 02:30:00 couldn’t be interpreted in time zone Europe/Berlin" in e
        for e in form_errors(response)
    ), form_errors(response)
    assert not MaintenanceWindow.objects.exists()


def test_an_outsider_cannot_schedule_maintenance_for_another_teams_service(
    signed_in, outsider, checkout
):
    with time_machine.travel(NOW, tick=False):
        response = signed_in(outsider).post(
            reverse("maintenance-create"),
            {
                "service": checkout.pk,
                "starts_at": "2026-11-24T22:00",
                "ends_at": "2026-11-25T02:00",
                "reason": "Upgrade",
            },
        )
    assert "only members of Payments may schedule maintenance for Checkout" in page_text(response)
    assert not MaintenanceWindow.objects.exists()


def test_windows_are_listed_as_now_upcoming_and_past_and_end_now(
    signed_in, member, checkout, maintenance
):
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        schedule_maintenance(
            service=checkout,
            starts_at=NOW - timedelta(days=2),
            ends_at=NOW - timedelta(days=2) + timedelta(hours=1),
            reason="Old migration",
            by=member,
        )
    with time_machine.travel(NOW, tick=False):
        upcoming = schedule_maintenance(
            service=checkout,
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=2),
            reason="Kernel patch",
            by=member,
        )
        client = signed_in(member)
        text = page_text(client.get(reverse("maintenance-list")))
        assert text.index("Now") < text.index("PostgreSQL 16 upgrade") < text.index("Upcoming")
        assert text.index("Upcoming") < text.index("Kernel patch") < text.index("Past")
        assert text.index("Past") < text.index("Old migration")

        response = client.post(reverse("maintenance-end", args=[maintenance.pk]), follow=True)
        assert "Maintenance of Checkout ended: its alerts page again." in page_text(response)
        maintenance.refresh_from_db()
        assert maintenance.ends_at == NOW
        response = client.post(reverse("maintenance-end", args=[upcoming.pk]), follow=True)
        assert "Upcoming maintenance of Checkout cancelled." in page_text(response)
        assert not MaintenanceWindow.objects.filter(pk=upcoming.pk).exists()


def test_a_window_ended_the_instant_it_starts_is_cancelled(signed_in, member, checkout):
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        window = schedule_maintenance(
            service=checkout,
            starts_at=NOW,
            ends_at=NOW + timedelta(hours=1),
            reason="Failover test",
            by=member,
        )
    with time_machine.travel(NOW, tick=False):
        response = signed_in(member).post(reverse("maintenance-end", args=[window.pk]), follow=True)
    assert "Upcoming maintenance of Checkout cancelled." in page_text(response)
    assert not MaintenanceWindow.objects.exists()


def test_an_alert_after_the_window_ended_pages_again(
    signed_in, member, prometheus, firing, maintenance
):
    with time_machine.travel(NOW, tick=False):
        signed_in(member).post(reverse("maintenance-end", args=[maintenance.pk]))
        [outcome] = ingest(integration=prometheus, alerts=[firing()])
    assert outcome.incident is not None
    assert not Alert.objects.get().is_suppressed


def test_a_leads_rule_must_be_limited_to_their_teams_integration(signed_in, lead, payments):
    response = signed_in(lead).post(
        reverse("rule-create"), rule_form(team=payments.pk), follow=True
    )
    assert "apply only to Payments's own integrations" in page_text(response)
    assert not RoutingRule.objects.exists()
