"""Alerts become incidents: deduplicated, routed, grouped, resolved, reopened, suppressed."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Alert, AlertEvent, MaintenanceWindow, RoutingRule
from tocsin.alerting.sources import Action, ParsedAlert
from tocsin.incidents.models import Channel, Event, Incident, Source, Status
from tocsin.incidents.services import acknowledge, resolve


def test_a_firing_alert_opens_an_incident_for_the_integrations_team(prometheus, firing):
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    incident = outcome.incident
    assert incident.title == "CheckoutErrors on fp-1"
    assert incident.severity.key == "P1"  # severity=critical maps to P1 for Alertmanager
    assert incident.team.name == "Payments"
    assert [s.name for s in incident.services.all()] == ["Checkout"]
    assert incident.source == Source.ALERT
    assert incident.status == Status.TRIGGERED
    created = incident.timeline.get(kind=Event.CREATED)
    assert created.actor is None and created.actor_name == "Prometheus (Prometheus Alertmanager)"
    assert outcome.decisions == [
        "No routing rule matched; used the integration's defaults",
        "Severity P1 mapped from the source's 'critical'",
        f"Opened {incident.reference} (grouping key 'alert:checkout/CheckoutErrors')",
    ]


def test_the_same_alert_again_only_counts(prometheus, firing):
    ingest(integration=prometheus, alerts=[firing()])
    [again] = ingest(integration=prometheus, alerts=[firing()])
    assert Alert.objects.count() == 1 and Incident.objects.count() == 1
    assert again.alert.count == 2
    assert (
        again.decisions[0] == "Deduplicated: same fingerprint as the open alert, now seen 2 times"
    )
    assert AlertEvent.objects.count() == 2


def test_alerts_with_the_same_grouping_key_share_one_incident(prometheus, firing):
    [first] = ingest(integration=prometheus, alerts=[firing("db1")])
    [second] = ingest(integration=prometheus, alerts=[firing("db2")])
    assert Alert.objects.count() == 2
    assert second.incident == first.incident
    assert Incident.objects.count() == 1
    assert f"Grouped into {first.incident.reference}" in second.decisions[-1]


def test_a_new_alert_on_an_acknowledged_incident_says_who_owns_it(prometheus, firing, member):
    [first] = ingest(integration=prometheus, alerts=[firing("db1")])
    acknowledge(incident=first.incident, by=member, via=Channel.WEB)
    [second] = ingest(integration=prometheus, alerts=[firing("db2")])
    assert (
        second.decisions[-1] == f"{first.incident.reference} is already acknowledged by Bob Okafor"
    )
    assert first.incident.refresh().status == Status.ACKNOWLEDGED


def test_the_incident_resolves_itself_when_all_its_alerts_resolve(prometheus, firing, resolved):
    first, second = ingest(integration=prometheus, alerts=[firing("db1"), firing("db2")])
    incident = first.incident
    assert second.incident == incident
    ingest(integration=prometheus, alerts=[resolved("db1")])
    assert incident.refresh().status == Status.TRIGGERED
    ingest(integration=prometheus, alerts=[resolved("db2")])
    incident.refresh()
    assert incident.status == Status.RESOLVED
    assert incident.resolution == "All 2 alert(s) resolved at the source"
    event = incident.timeline.get(kind=Event.RESOLVED)
    assert event.actor_name == "Prometheus (Prometheus Alertmanager)"
    assert event.message.startswith("Resolved by Prometheus (Prometheus Alertmanager)")


def test_auto_resolve_can_be_turned_off(prometheus, firing, resolved):
    prometheus.auto_resolve = False
    prometheus.save()
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    [after] = ingest(integration=prometheus, alerts=[resolved()])
    assert outcome.incident.refresh().status == Status.TRIGGERED
    assert after.decisions[-1] == f"{outcome.incident.reference} stays open: auto-resolve is off"


def test_firing_again_soon_after_resolution_reopens_the_incident(prometheus, firing, resolved):
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    ingest(integration=prometheus, alerts=[resolved()])
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        [again] = ingest(integration=prometheus, alerts=[firing()])
    assert again.incident == outcome.incident
    assert outcome.incident.refresh().status == Status.TRIGGERED
    assert Incident.objects.count() == 1
    assert outcome.incident.timeline.filter(kind=Event.REOPENED).exists()


def test_firing_again_after_the_reopen_window_opens_a_new_incident(prometheus, firing, resolved):
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    ingest(integration=prometheus, alerts=[resolved()])
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        [again] = ingest(integration=prometheus, alerts=[firing()])
    assert again.incident != outcome.incident
    assert outcome.incident.refresh().status == Status.RESOLVED


def test_resolving_the_incident_by_hand_closes_its_alerts(prometheus, firing, member):
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    resolve(incident=outcome.incident, by=member, via=Channel.WEB, resolution="Rolled back")
    assert outcome.alert.__class__.objects.get().status == "resolved"


def test_a_routing_rule_sends_alerts_to_its_team_and_severity(
    prometheus, firing, platform, severities
):
    RoutingRule.objects.create(
        position=10,
        name="Database alerts to Platform",
        matchers=[{"field": "labels.service", "op": "=~", "value": "db|postgres"}],
        team=platform,
        severity=severities["P2"],
        runbook_url="https://runbooks.example.com/db",
    )
    [outcome] = ingest(integration=prometheus, alerts=[firing(service="db")])
    assert outcome.incident.team == platform
    assert outcome.incident.severity.key == "P2"
    assert outcome.alert.runbook_url == "https://runbooks.example.com/db"
    assert outcome.decisions[0] == (
        "Matched rule #10 'Database alerts to Platform' (labels.service =~ 'db|postgres')"
    )
    [other] = ingest(integration=prometheus, alerts=[firing("x", alertname="Slow", service="web")])
    assert other.incident.team.name == "Payments"


def test_the_first_matching_rule_wins(prometheus, firing, platform, payments, severities):
    RoutingRule.objects.create(
        position=20, name="Later", team=payments, severity=severities["P5"], matchers=[]
    )
    RoutingRule.objects.create(
        position=10,
        name="Earlier",
        team=platform,
        matchers=[{"field": "labels.env", "op": "exists", "value": ""}],
    )
    [outcome] = ingest(integration=prometheus, alerts=[firing(env="prod")])
    assert outcome.alert.rule.name == "Earlier"
    [other] = ingest(integration=prometheus, alerts=[firing("y", alertname="Slow")])
    assert other.alert.rule.name == "Later" and other.incident.severity.key == "P5"


def test_a_suppressing_rule_stores_the_alert_but_opens_nothing(prometheus, firing):
    RoutingRule.objects.create(
        position=1,
        name="Drop staging",
        suppress=True,
        matchers=[{"field": "labels.env", "op": "=", "value": "staging"}],
    )
    [outcome] = ingest(integration=prometheus, alerts=[firing(env="staging")])
    assert outcome.incident is None and not Incident.objects.exists()
    assert outcome.alert.suppressed_reason == "Suppressed by rule #1 'Drop staging'"


def test_alerts_during_maintenance_are_suppressed_naming_the_window(
    prometheus, firing, checkout, lead
):
    now = timezone.now()
    window = MaintenanceWindow.objects.create(
        service=checkout,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        reason="Database upgrade",
        created_by=lead,
    )
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    assert outcome.incident is None and not Incident.objects.exists()
    assert outcome.alert.suppressed_by == window
    assert "Checkout is in maintenance (Database upgrade)" in outcome.decisions[-1]
    with time_machine.travel(now + timedelta(hours=2)):
        [later] = ingest(integration=prometheus, alerts=[firing("fp-2")])
    assert later.incident is not None


def test_a_pagerduty_style_acknowledge_acts_with_the_integration_as_actor(prometheus, firing):
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    ingest(
        integration=prometheus,
        alerts=[ParsedAlert(fingerprint="fp-1", action=Action.ACKNOWLEDGE)],
    )
    incident = outcome.incident.refresh()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.timeline.get(kind=Event.ACKNOWLEDGED).actor_name.startswith("Prometheus")


def test_resolving_an_unknown_alert_changes_nothing(prometheus, resolved):
    [outcome] = ingest(integration=prometheus, alerts=[resolved("never-seen")])
    assert outcome.decisions == ["No open alert with this fingerprint: nothing to resolve"]
    assert not Alert.objects.exists() and not Incident.objects.exists()


# ---------------------------------------------------------------------------------------------
# The reopen window: 0 never reopens; the window is measured when the alert is placed


def test_a_reopen_window_of_0_never_reopens(prometheus, firing, resolved, clock):
    prometheus.reopen_window = timedelta(0)
    prometheus.save()
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    ingest(integration=prometheus, alerts=[resolved()])

    [again] = ingest(integration=prometheus, alerts=[firing()])  # the very same instant

    assert again.incident != outcome.incident
    assert outcome.incident.refresh().status == Status.RESOLVED
    assert not outcome.incident.timeline.filter(kind=Event.REOPENED).exists()
    assert again.decisions[-1] == (
        f"Opened {again.incident.reference} (grouping key 'alert:checkout/CheckoutErrors')"
    )


def test_a_reopen_window_of_0_never_reopens_an_incident_resolved_while_the_alert_waited(
    prometheus, firing, resolved, clock
):
    """The alert arrived while the incident's last alert was resolving it, and waited for the
    incident: resolved after the alert arrived is still resolved, and 0 still means never."""
    prometheus.reopen_window = timedelta(0)
    prometheus.save()
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    arrived = timezone.now()
    clock.shift(timedelta(milliseconds=50))
    ingest(integration=prometheus, alerts=[resolved()])

    [waited] = ingest(integration=prometheus, alerts=[firing()], received_at=arrived)

    assert waited.incident != outcome.incident
    assert outcome.incident.refresh().status == Status.RESOLVED
    assert not any(decision.startswith("Reopened") for decision in waited.decisions)


def test_the_reopen_window_is_measured_when_the_alert_is_placed_not_when_it_arrived(
    prometheus, firing, resolved, clock
):
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    arrived = timezone.now()
    clock.shift(timedelta(seconds=1))
    ingest(integration=prometheus, alerts=[resolved()])
    clock.shift(timedelta(minutes=31))  # the 30-minute window is over when it is placed

    [late] = ingest(integration=prometheus, alerts=[firing()], received_at=arrived)

    assert late.incident != outcome.incident
    assert outcome.incident.refresh().status == Status.RESOLVED


def test_within_the_window_the_decision_says_how_long_ago_it_was_resolved(
    prometheus, firing, resolved, clock
):
    [outcome] = ingest(integration=prometheus, alerts=[firing()])
    ingest(integration=prometheus, alerts=[resolved()])
    clock.shift(timedelta(minutes=29))

    [again] = ingest(integration=prometheus, alerts=[firing()])

    assert again.incident == outcome.incident
    assert again.decisions[-1] == (
        f"Reopened {outcome.incident.reference}: resolved less than 30 minutes ago, "
        "same grouping key"
    )
