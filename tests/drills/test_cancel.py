"""Cancelling a running drill cancels its incident as a drill: escalation stops, pages not yet
sent are dropped, the timeline says who cancelled it. Resolving or cancelling the incident
itself ends the drill too."""

import pytest

from tests.support.outbox import deliver
from tocsin.drills.models import RunStatus
from tocsin.drills.services import cancel_drill, start_drill
from tocsin.errors import Conflict
from tocsin.incidents.models import Channel, Event, Status
from tocsin.incidents.services import cancel
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations

pytestmark = pytest.mark.django_db


def test_cancelling_a_drill_cancels_its_incident_and_drops_its_pending_pages(
    scenario, policy, lead, member, smtp, api_as
):
    run = start_drill(scenario=scenario, by=lead)
    run_due_escalations()
    [page] = OutboxMessage.objects.filter(purpose=Purpose.PAGE, incident=run.incident)
    assert page.state == OutboxState.PENDING

    response = api_as(lead).post(f"/drills/{run.pk}/cancel")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by"] == "Alice Novak"
    incident = run.incident
    incident.refresh_from_db()
    assert incident.status == Status.CANCELLED
    assert incident.cancel_reason == "The drill was cancelled"
    assert incident.timeline.filter(
        kind=Event.DRILL, message="Drill cancelled by Alice Novak"
    ).exists()
    deliver()
    page.refresh_from_db()
    assert page.state == OutboxState.DROPPED
    assert smtp.to(member.email) == []
    run_due_escalations()  # the next level is never reached
    assert OutboxMessage.objects.filter(purpose=Purpose.PAGE).count() == 1
    again = api_as(lead).post(f"/drills/{run.pk}/cancel")
    assert again.status_code == 409
    assert (
        again.json()["error"]["message"]
        == f"drill #{run.pk} is cancelled: there is nothing to cancel"
    )


def test_cancelling_the_incident_itself_cancels_the_drill(scenario, policy, lead):
    run = start_drill(scenario=scenario, by=lead)
    cancel(incident=run.incident, by=lead, via=Channel.WEB, reason="Wrong scenario")

    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancelled_by == lead
    assert run.incident.timeline.filter(
        kind=Event.DRILL, message=f"Drill cancelled with {run.incident.reference}"
    ).exists()


def test_one_drill_of_a_scenario_runs_at_a_time(scenario, policy, lead):
    run = start_drill(scenario=scenario, by=lead)
    with pytest.raises(Conflict, match=f"already running \\({run.incident.reference}\\)"):
        start_drill(scenario=scenario, by=lead)
    cancel_drill(run=run, by=lead)
    second = start_drill(scenario=scenario, by=lead)
    assert second.incident != run.incident and second.incident.drill
