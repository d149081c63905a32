"""The drill report: per participant, when they were paged, acknowledged and resolved and which
runbook steps they ticked, exact to the second; and the comparison with the team's earlier
drills' time to acknowledge and to resolve. On the page and in the API."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.runbooks.conftest import CHECKOUT_RUNBOOK
from tests.support.clock import START
from tests.support.web import page_text
from tocsin.drills.report import report_of
from tocsin.drills.services import start_drill
from tocsin.incidents.models import Channel
from tocsin.incidents.services import acknowledge, resolve
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.runbooks.services import create_runbook, tick_step

pytestmark = pytest.mark.django_db

EARLIER = START - timedelta(days=7)


def _iso(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture
def runbook(lead, checkout):
    return create_runbook(
        name="Checkout error rate", body=CHECKOUT_RUNBOOK, services=[checkout], by=lead
    )


def _drill(scenario, lead, member, *, acknowledge_after, resolve_after, clock):
    """A drill Bob acknowledges and resolves after these delays."""
    run = start_drill(scenario=scenario, by=lead)
    run_due_escalations()
    clock.shift(acknowledge_after)
    acknowledge(incident=run.incident, by=member, via=Channel.WEB)
    clock.shift(resolve_after - acknowledge_after)
    resolve(incident=run.incident, by=member, via=Channel.WEB, resolution="Done")
    run.refresh_from_db()
    return run


@pytest.fixture
def earlier_run(scenario, policy, lead, member):
    """Last week's drill: acknowledged after 10 minutes, resolved after 40."""
    import time_machine

    with time_machine.travel(EARLIER, tick=False) as clock:
        return _drill(
            scenario,
            lead,
            member,
            acknowledge_after=timedelta(minutes=10),
            resolve_after=timedelta(minutes=40),
            clock=clock,
        )


def test_the_report_says_who_did_what_when_and_compares_with_earlier_drills(
    earlier_run, scenario, policy, runbook, lead, member, clock, signed_in, api_as
):
    run = start_drill(scenario=scenario, by=lead)
    incident = run.incident
    run_due_escalations()  # Bob is paged at once
    clock.shift(timedelta(minutes=4))
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    clock.shift(timedelta(minutes=2))
    tick_step(incident=incident, runbook=runbook, step=1, by=member, via=Channel.WEB)
    clock.shift(timedelta(minutes=2))
    tick_step(incident=incident, runbook=runbook, step=2, by=member, via=Channel.WEB)
    clock.shift(timedelta(minutes=4))
    tick_step(incident=incident, runbook=runbook, step=4, by=lead, via=Channel.WEB)
    clock.shift(timedelta(minutes=8))
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Rolled back")
    run.refresh_from_db()

    report = report_of(run)
    bob, alice = report.participants
    assert (bob.name, bob.paged_at, bob.pages) == ("Bob Okafor", START, 1)
    assert bob.acknowledged_at == START + timedelta(minutes=4)
    assert bob.resolved_at == START + timedelta(minutes=20)
    assert [(s.step, s.at) for s in bob.steps] == [
        (1, START + timedelta(minutes=6)),
        (2, START + timedelta(minutes=8)),
    ]
    assert bob.steps[1].text == "Roll back the latest deploy"
    # Alice was never paged (Bob acknowledged before level 2) and ticked one step.
    assert (alice.name, alice.paged_at, alice.acknowledged_at, alice.resolved_at) == (
        "Alice Novak",
        None,
        None,
        None,
    )
    assert [(s.step, s.at) for s in alice.steps] == [(4, START + timedelta(minutes=12))]

    assert report.time_to_acknowledge == timedelta(minutes=4)
    assert report.time_to_resolve == timedelta(minutes=20)
    [earlier] = report.earlier
    assert earlier.run == earlier_run
    assert earlier.time_to_acknowledge == timedelta(minutes=10)
    assert earlier.time_to_resolve == timedelta(minutes=40)
    assert report.acknowledge_difference == timedelta(minutes=-6)
    assert report.resolve_difference == timedelta(minutes=-20)
    # The earlier drill compares with nothing before it.
    assert report_of(earlier_run).earlier == []

    body = api_as(member).get(f"/drills/{run.pk}").json()
    assert body["drill"]["status"] == "finished"
    assert body["drill"]["incident"] == incident.reference
    assert body["time_to_acknowledge"] == 240 and body["time_to_resolve"] == 1200
    assert body["participants"][0] == {
        "user": member.pk,
        "name": "Bob Okafor",
        "paged_at": _iso(START),
        "pages": 1,
        "acknowledged_at": _iso(START + timedelta(minutes=4)),
        "resolved_at": _iso(START + timedelta(minutes=20)),
        "steps": [
            {
                "step": 1,
                "text": "Open the **Checkout** dashboard and confirm the error rate",
                "at": _iso(START + timedelta(minutes=6)),
            },
            {
                "step": 2,
                "text": "Roll back the latest deploy",
                "at": _iso(START + timedelta(minutes=8)),
            },
        ],
    }
    assert body["participants"][1]["name"] == "Alice Novak"
    assert body["participants"][1]["paged_at"] is None
    assert body["earlier"] == [
        {
            "id": earlier_run.pk,
            "scenario_title": "Checkout 502s",
            "started_at": _iso(EARLIER),
            "time_to_acknowledge": 600,
            "time_to_resolve": 2400,
        }
    ]
    assert body["comparison"] == {
        "median_time_to_acknowledge": 600,
        "median_time_to_resolve": 2400,
        "acknowledge_difference": -360,
        "resolve_difference": -1200,
    }

    text = page_text(signed_in(member).get(reverse("drill-run", args=[run.pk])))
    assert "Bob Okafor" in text and "Alice Novak" in text
    assert "Step 2: Roll back the latest deploy" in text
    assert "4 min (-6 min against the median of earlier drills, 10 min)" in text
    assert "20 min (-20 min against the median of earlier drills, 40 min)" in text
