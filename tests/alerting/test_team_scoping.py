"""Teams stay in their own house: an alert joins, keeps open, reopens and resolves only
incidents of its own team, and a lead routes only to their own team and its services."""

import html
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tests.support.api import assert_error, nothing_changes
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Alert, Integration, Kind, RoutingRule
from tocsin.alerting.services import create_rule
from tocsin.alerting.sources import Action, ParsedAlert
from tocsin.incidents.models import Event, Incident, Service, Status
from tocsin.incidents.services import declare


@pytest.fixture
def postgres(platform) -> Service:
    return Service.objects.create(name="PostgreSQL primary", slug="postgres", team=platform)


@pytest.fixture
def platform_prometheus(platform, postgres, severities) -> Integration:
    return Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Platform Prometheus", team=platform, service=postgres
    )


@pytest.fixture
def platforms_incident(platform_prometheus, firing) -> Incident:
    """Platform's open incident for 'alert:postgres/DiskFull'."""
    [outcome] = ingest(
        integration=platform_prometheus, alerts=[firing("pg-1", alertname="DiskFull")]
    )
    assert outcome.alert.grouping_key == "alert:postgres/DiskFull"
    return outcome.incident


# ---------------------------------------------------------------------------------------------
# Grouping is per team


def test_an_integration_with_another_teams_service_never_touches_that_teams_incident(
    payments, postgres, platform_prometheus, platforms_incident, firing, resolved
):
    # Set up before leads were held to their own services, or by an admin.
    borrowed = Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Payments Prometheus", team=payments, service=postgres
    )

    [ours] = ingest(integration=borrowed, alerts=[firing("pay-1", alertname="DiskFull")])

    assert ours.alert.grouping_key == "alert:postgres/DiskFull"  # the same key, another team
    assert ours.incident != platforms_incident
    assert ours.incident.team == payments
    assert ours.decisions[-1] == (
        f"Opened {ours.incident.reference} (grouping key 'alert:postgres/DiskFull')"
    )
    # Platform's own alert resolving resolves Platform's incident: Payments' does not keep it open.
    ingest(integration=platform_prometheus, alerts=[resolved("pg-1")])
    assert platforms_incident.refresh().status == Status.RESOLVED
    # Payments' alert resolving and firing again reopens Payments' incident, not Platform's.
    ingest(integration=borrowed, alerts=[resolved("pay-1")])
    assert ours.incident.refresh().status == Status.RESOLVED
    [again] = ingest(integration=borrowed, alerts=[firing("pay-2", alertname="DiskFull")])
    assert again.incident == ours.incident
    assert ours.incident.refresh().status == Status.TRIGGERED
    assert platforms_incident.refresh().status == Status.RESOLVED
    assert not platforms_incident.timeline.filter(kind=Event.REOPENED).exists()
    assert list(platforms_incident.alerts.values_list("fingerprint", flat=True)) == ["pg-1"]


def test_a_rule_with_a_literal_grouping_key_does_not_join_another_teams_incident(
    lead, payments, prometheus, platforms_incident, firing
):
    create_rule(
        by=lead,
        name="All of checkout in one",
        integration=prometheus,
        team=payments,
        grouping_key="postgres/DiskFull",
        matchers=[],
    )

    [ours] = ingest(integration=prometheus, alerts=[firing("pay-1", alertname="Slow")])

    assert ours.alert.grouping_key == "alert:postgres/DiskFull"
    assert ours.incident != platforms_incident
    assert ours.incident.team == payments
    assert platforms_incident.refresh().alerts.count() == 1
    assert not platforms_incident.timeline.filter(message__contains="Slow").exists()


def test_the_same_literal_key_in_two_teams_gives_two_incidents(
    admin, payments, platform, prometheus, platform_prometheus, firing
):
    for integration in (prometheus, platform_prometheus):
        create_rule(
            by=admin,
            name=f"Nightly batch of {integration.team}",
            integration=integration,
            team=integration.team,
            grouping_key="nightly-batch",
            matchers=[],
        )

    [first] = ingest(integration=prometheus, alerts=[firing("pay-1", alertname="Export")])
    [other] = ingest(integration=platform_prometheus, alerts=[firing("pg-1", alertname="Vacuum")])
    [second] = ingest(integration=prometheus, alerts=[firing("pay-2", alertname="Import")])

    assert first.incident.team == payments and other.incident.team == platform
    assert other.incident != first.incident
    assert second.incident == first.incident
    assert Incident.objects.filter(status=Status.TRIGGERED).count() == 2
    assert {a.grouping_key for a in Alert.objects.all()} == {"alert:nightly-batch"}


def test_the_database_keeps_one_open_incident_per_team_and_grouping_key(
    prometheus, firing, payments, lead, p1
):
    [outcome] = ingest(integration=prometheus, alerts=[firing()])

    with pytest.raises(IntegrityError), transaction.atomic():
        declare(
            title="The same alerts again",
            severity=p1,
            team=payments,
            by=lead,
            grouping_key=outcome.incident.grouping_key,
        )
    assert Incident.objects.count() == 1


def test_an_alert_already_in_another_teams_incident_neither_acknowledges_nor_resolves_it(
    prometheus, platforms_incident, firing, resolved
):
    [ours] = ingest(integration=prometheus, alerts=[firing("pay-1")])
    # As an alert joined another team's incident before grouping was per team.
    Alert.objects.filter(pk=ours.alert.pk).update(incident=platforms_incident)
    timeline = platforms_incident.timeline.count()

    [acknowledged] = ingest(
        integration=prometheus, alerts=[ParsedAlert(fingerprint="pay-1", action=Action.ACKNOWLEDGE)]
    )
    [gone] = ingest(integration=prometheus, alerts=[resolved("pay-1")])

    reference = platforms_incident.reference
    refusal = f"{reference} belongs to Platform, not Payments: this alert does not act on it"
    assert acknowledged.decisions == [refusal]
    assert gone.decisions == ["Alert resolved at its source", refusal]
    assert platforms_incident.refresh().status == Status.TRIGGERED
    assert platforms_incident.timeline.count() == timeline


def test_an_alert_already_in_another_teams_incident_does_not_keep_it_open(
    prometheus, platform_prometheus, platforms_incident, firing, resolved
):
    [ours] = ingest(integration=prometheus, alerts=[firing("pay-1")])
    Alert.objects.filter(pk=ours.alert.pk).update(incident=platforms_incident)

    [last] = ingest(integration=platform_prometheus, alerts=[resolved("pg-1")])

    assert platforms_incident.refresh().status == Status.RESOLVED
    assert last.decisions[-1] == (
        f"Resolved {platforms_incident.reference}: all of its alerts resolved"
    )


def _migrate_alerting_to(name: str | None) -> None:
    """To the migration `name`, or with None to the latest of every app (the schema the code
    expects: going back in alerting also unapplied the apps that build on it)."""
    executor = MigrationExecutor(connection)
    if name is None:
        executor.migrate(executor.loader.graph.leaf_nodes())
    else:
        executor.migrate([("alerting", name)])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_incidents_opened_before_grouping_was_per_team_keep_their_alerts(
    prometheus, payments, platform, p1, firing
):
    _migrate_alerting_to("0005_change_events")
    try:
        # As the code before opened them: the bare key, the same for every team.
        old = Incident.objects.create(
            title="Checkout errors", severity=p1, team=payments, grouping_key="alert:checkout/X"
        )
        others = Incident.objects.create(
            title="Someone else's", severity=p1, team=platform, grouping_key="alert:postgres/X"
        )
    finally:
        _migrate_alerting_to(None)  # through 0006_grouping_keys_per_team, which rewrites the keys

    [outcome] = ingest(integration=prometheus, alerts=[firing("fp-9", alertname="X")])

    assert outcome.incident == old
    assert outcome.decisions[-1] == (
        f"Grouped into {old.reference}, already open for grouping key 'alert:checkout/X'"
    )
    old.refresh_from_db()
    others.refresh_from_db()
    assert old.grouping_key == f"team-{payments.pk}:alert:checkout/X"
    assert others.grouping_key == f"team-{platform.pk}:alert:postgres/X"


# ---------------------------------------------------------------------------------------------
# A lead's integrations and rules name only their own team and its services: the API


def test_a_lead_may_not_give_an_integration_another_teams_service(api_as, lead, postgres):
    client = api_as(lead)
    with nothing_changes():
        response = client.post(
            "/integrations",
            {"kind": "alertmanager", "name": "Prod", "team": "payments", "service": "postgres"},
        )
    assert_error(
        response,
        403,
        "permission_denied",
        field="service",
        message_contains="PostgreSQL primary is a service of Platform: a lead may send "
        "Payments's alerts only to Payments's own services",
    )
    assert not Integration.objects.exists()


def test_a_lead_may_not_change_an_integrations_service_to_another_teams(
    api_as, lead, prometheus, postgres, checkout
):
    client = api_as(lead)
    with nothing_changes():
        response = client.patch(
            f"/integrations/{prometheus.pk}", {"service": "postgres", "name": "Renamed"}
        )
    assert_error(response, 403, "permission_denied", field="service")
    prometheus.refresh_from_db()
    assert (prometheus.service, prometheus.name) == (checkout, "Prometheus")


def test_an_admin_may_give_an_integration_any_service(api_as, admin, payments, postgres):
    response = api_as(admin).post(
        "/integrations",
        {"kind": "alertmanager", "name": "Prod", "team": "payments", "service": "postgres"},
    )
    assert response.status_code == 201, response.content
    assert Integration.objects.get().service == postgres


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"service": "postgres"},
            "service",
            "PostgreSQL primary is a service of Platform: a lead may send Payments's alerts "
            "only to Payments's own services",
        ),
        (
            {"team": "platform"},
            "team",
            "only an admin, or a lead for their own team, may add routing rules",
        ),
    ],
)
def test_a_leads_rule_may_not_name_another_team_or_its_services(
    api_as, lead, prometheus, postgres, body, field, message
):
    request = {"name": "R", "team": "payments", "integration": prometheus.pk, **body}
    client = api_as(lead)
    with nothing_changes():
        response = client.post("/rules", request)
    assert_error(response, 403, "permission_denied", field=field, message_contains=message)
    assert not RoutingRule.objects.exists()


def test_a_lead_may_not_change_their_rule_to_another_teams_service(
    api_as, lead, payments, prometheus, postgres
):
    rule = create_rule(by=lead, name="Mine", team=payments, integration=prometheus, matchers=[])
    client = api_as(lead)
    with nothing_changes():
        response = client.patch(f"/rules/{rule.pk}", {"service": "postgres", "name": "X"})
    assert_error(response, 403, "permission_denied", field="service")
    rule.refresh_from_db()
    assert (rule.service, rule.name) == (None, "Mine")


def test_an_admins_rule_may_name_any_team_and_service(api_as, admin, prometheus, postgres):
    response = api_as(admin).post(
        "/rules",
        {"name": "R", "team": "payments", "integration": prometheus.pk, "service": "postgres"},
    )
    assert response.status_code == 201, response.content
    assert RoutingRule.objects.get().service == postgres


# ---------------------------------------------------------------------------------------------
# The same refusals on the web pages: a form error, nothing saved


def _error_beside(response, field_id: str) -> str:
    """The error the page shows beside the field whose element has this id."""
    [error] = re.findall(
        rf'<p class="error" id="{field_id}_error"[^>]*>(.*?)</p>', response.content.decode()
    )
    return html.unescape(error)


def test_a_lead_creating_an_integration_with_another_teams_service_gets_a_form_error(
    signed_in, lead, payments, postgres
):
    response = signed_in(lead).post(
        reverse("integration-create"),
        {"kind": "alertmanager", "name": "Prod", "team": payments.pk, "service": postgres.pk},
    )
    assert response.status_code == 200
    assert "is a service of Platform" in _error_beside(response, "id_service")
    assert not Integration.objects.exists()


def test_a_lead_changing_the_service_to_another_teams_gets_a_form_error(
    signed_in, lead, prometheus, postgres, checkout
):
    response = signed_in(lead).post(
        reverse("integration-update", args=[prometheus.pk]),
        {
            "name": "Renamed",
            "enabled": "on",
            "auto_resolve": "on",
            "reopen_window": "30m",
            "rate_limit_per_minute": "600",
            "service": postgres.pk,
        },
    )
    assert response.status_code == 422
    assert "is a service of Platform" in _error_beside(response, "settings_service")
    prometheus.refresh_from_db()
    assert (prometheus.service, prometheus.name) == (checkout, "Prometheus")


def test_a_leads_rule_with_another_teams_service_is_a_form_error(
    signed_in, lead, payments, prometheus, postgres
):
    response = signed_in(lead).post(
        reverse("rule-create"),
        {
            "name": "R",
            "position": "10",
            "matchers": "",
            "integration": prometheus.pk,
            "team": payments.pk,
            "service": postgres.pk,
            "enabled": "on",
        },
    )
    assert response.status_code == 422
    assert "is a service of Platform" in _error_beside(response, "rule_service")
    assert not RoutingRule.objects.exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("team", "only an admin, or a lead for their own team, may add routing rules"),
        ("integration", "a lead's routing rules apply only to Payments's own integrations"),
        ("service", "PostgreSQL primary is a service of Platform"),
    ],
)
def test_a_leads_rule_for_another_team_or_its_things_is_an_error_beside_that_field(
    signed_in, lead, payments, platform, prometheus, platform_prometheus, postgres, field, message
):
    chosen = {"team": platform.pk, "integration": platform_prometheus.pk, "service": postgres.pk}
    response = signed_in(lead).post(
        reverse("rule-create"),
        {
            "name": "R",
            "position": "10",
            "matchers": "",
            "integration": prometheus.pk,
            "team": payments.pk,
            "enabled": "on",
            field: chosen[field],
        },
    )
    assert response.status_code == 422
    assert message in _error_beside(response, f"rule_{field}")
    assert not RoutingRule.objects.exists()


def test_a_leads_rule_for_another_teams_integration_is_refused_naming_the_field(
    api_as, lead, payments, platform_prometheus
):
    client = api_as(lead)
    with nothing_changes():
        response = client.post(
            "/rules", {"name": "R", "team": "payments", "integration": platform_prometheus.pk}
        )
    assert_error(
        response,
        403,
        "permission_denied",
        field="integration",
        message_contains="a lead's routing rules apply only to Payments's own integrations",
    )
