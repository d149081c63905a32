"""Scheduling: the worker starts a drill when it is due, once however many workers run; a time
in the past is refused; a cancelled scheduled drill never starts; one that cannot start is
cancelled, saying why."""

from datetime import timedelta

import pytest
import time_machine

from tests.support.clock import START
from tocsin.drills.models import DrillRun, RunStatus
from tocsin.drills.services import cancel_drill, schedule_drill, start_due_drills
from tocsin.errors import ValidationFailed
from tocsin.incidents.models import Event, Incident
from tocsin.worker import periodic_jobs, run_periodic

pytestmark = pytest.mark.django_db

AT = START + timedelta(hours=2)


def test_the_worker_starts_a_scheduled_drill_when_it_is_due_once(
    scenario, policy, lead, clock, api_as
):
    response = api_as(lead).post(
        f"/drill-scenarios/{scenario.pk}/schedule", {"scheduled_for": AT.isoformat()}
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "scheduled"
    run = DrillRun.objects.get(pk=response.json()["id"])

    first_worker, second_worker = periodic_jobs(), periodic_jobs()
    clock.shift(timedelta(hours=1, minutes=59))
    run_periodic(first_worker, now=0.0)
    run.refresh_from_db()
    assert run.status == RunStatus.SCHEDULED and not Incident.objects.exists()

    clock.shift(timedelta(minutes=1))
    run_periodic(first_worker, now=1000.0)
    run_periodic(second_worker, now=1000.0)
    assert start_due_drills() == 0  # and once more: nothing is left to start

    run.refresh_from_db()
    incident = Incident.objects.get()
    assert (run.status, run.started_at, run.incident) == (RunStatus.RUNNING, AT, incident)
    assert incident.drill and incident.reported_at == AT
    [started] = incident.timeline.filter(kind=Event.DRILL)
    assert started.message == "Drill started from scenario Checkout 502s, scheduled by Alice Novak"


def test_a_time_in_the_past_is_refused(scenario, lead, clock, api_as):
    response = api_as(lead).post(
        f"/drill-scenarios/{scenario.pk}/schedule",
        {"scheduled_for": (START - timedelta(minutes=1)).isoformat()},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "scheduled_for"
    assert not DrillRun.objects.exists()


def test_a_cancelled_scheduled_drill_never_starts(scenario, lead, clock):
    run = schedule_drill(scenario=scenario, by=lead, at=AT)
    cancel_drill(run=run, by=lead)

    with time_machine.travel(AT + timedelta(minutes=1)):
        assert start_due_drills() == 0
    run.refresh_from_db()
    assert (run.status, run.cancelled_by, run.cancelled_at) == (RunStatus.CANCELLED, lead, START)
    assert not Incident.objects.exists()


def test_a_drill_that_cannot_start_is_cancelled_saying_why(scenario, lead, clock):
    run = schedule_drill(scenario=scenario, by=lead, at=AT)
    scenario.integration.enabled = False
    scenario.integration.save()

    clock.shift(timedelta(hours=3))
    assert start_due_drills() == 0
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert (
        run.cancel_reason == "Could not start: Prometheus is disabled: enable it to run the drill"
    )
    assert not Incident.objects.exists()


def test_scheduling_needs_a_time_zone(scenario, lead):
    with pytest.raises(ValidationFailed, match="time zone"):
        schedule_drill(scenario=scenario, by=lead, at=AT.replace(tzinfo=None))
