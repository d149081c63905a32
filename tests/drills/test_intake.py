"""A drill's alert goes through the real intake, yet its scenario decides: the team, the
severity and the service, over routing rules and mappings; and each drill opens an incident of
its own, never joined with a real one or another drill."""

from datetime import timedelta

import pytest

from tests.support.clock import START
from tocsin.alerting.ingest import ingest
from tocsin.alerting.services.rules import create_rule
from tocsin.alerting.sources import registry
from tocsin.drills.models import DrillRun, RunStatus
from tocsin.drills.services import create_scenario, schedule_drill, start_drill, start_due_drills
from tocsin.errors import Conflict
from tocsin.incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_the_scenario_decides_over_the_routing_rules(
    scenario, policy, lead, admin, platform, p1, severities, checkout
):
    create_rule(
        by=admin, name="All to Platform", matchers=[], team=platform, severity=severities["P4"]
    )

    incident = start_drill(scenario=scenario, by=lead).incident

    assert (incident.team.name, incident.severity, list(incident.services.all())) == (
        "Payments",
        p1,
        [checkout],
    )


def test_a_drill_never_joins_a_real_incident_with_the_same_alert(
    scenario, policy, lead, prometheus, alertmanager_body
):
    [real] = ingest(
        integration=prometheus, alerts=registry.parse("alertmanager", alertmanager_body)
    )
    assert real.incident is not None and not real.incident.drill

    drill = start_drill(scenario=scenario, by=lead).incident

    assert drill != real.incident and drill.drill
    assert real.incident.alerts.count() == 1 and drill.alerts.count() == 1
    [again] = ingest(
        integration=prometheus, alerts=registry.parse("alertmanager", alertmanager_body)
    )
    assert again.incident == real.incident  # the real alert repeats onto its own incident


def test_two_drills_with_the_same_payload_open_two_incidents(
    scenario, policy, lead, payments, p1, prometheus, alertmanager_body
):
    other = create_scenario(
        team=payments,
        title="Disk full",
        severity=p1,
        integration=prometheus,
        payload=alertmanager_body,
        by=lead,
    )
    first = start_drill(scenario=scenario, by=lead).incident
    second = start_drill(scenario=other, by=lead).incident
    assert first != second and first.drill and second.drill
    assert Incident.objects.count() == 2


def test_a_drill_whose_alert_a_rule_suppresses_does_not_start(scenario, lead, admin):
    create_rule(by=admin, name="Quiet", matchers=[], suppress=True)

    with pytest.raises(
        Conflict, match="the drill's alert opened no incident: .*Suppressed by rule"
    ):
        start_drill(scenario=scenario, by=lead)

    assert not DrillRun.objects.exists() and not Incident.objects.exists()


def test_a_scheduled_drill_waits_for_no_running_one_it_is_cancelled(scenario, policy, lead, clock):
    running = start_drill(scenario=scenario, by=lead)
    scheduled = schedule_drill(scenario=scenario, by=lead, at=START + timedelta(minutes=5))

    clock.shift(timedelta(minutes=5))
    assert start_due_drills() == 0

    scheduled.refresh_from_db()
    assert scheduled.status == RunStatus.CANCELLED
    assert scheduled.cancel_reason == (
        f"Could not start: a drill of Checkout 502s is already running "
        f"({running.incident.reference}): resolve or cancel it first"
    )
