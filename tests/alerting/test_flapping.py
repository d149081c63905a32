"""Flapping alerts page once: an alert that keeps resolving and firing again keeps its incident
open instead of resolving and reopening it, and its incident resolves once it has stayed
resolved for a quiet period (docs/incidents.md#flapping)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.support.web import body
from tocsin.alerting.flapping import (
    FLAPPING_CHANGES,
    FLAPPING_WINDOW,
    QUIET_PERIOD,
    resolve_quiet_incidents,
)
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Alert, AlertEvent
from tocsin.alerting.tasks import PERIODIC
from tocsin.incidents.models import Channel, Event, Incident, Status
from tocsin.incidents.services import resolve
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations

pytestmark = pytest.mark.usefixtures("alice_on_call")

# The reproduced defect: 130 flaps in 60 seconds, a state change every 230 milliseconds.
FLAPS = 130
STEP = timedelta(seconds=60) / (2 * FLAPS)


def flapping_note(incident) -> str:
    return (
        "Alert flapping: CheckoutErrors on fp-1 changed state 4 times within 10 minutes. "
        f"{incident.reference} stays open instead of resolving and reopening with every change; "
        "it resolves once the alert has stayed resolved for 10 minutes."
    )


@pytest.fixture
def send(prometheus, clock):
    """send(parsed, after=…): one request after `after`, then the escalation worker's round
    (a worker that keeps up: every page that is due is queued)."""

    def run(parsed, *, after: timedelta = STEP):
        clock.shift(after)
        [outcome] = ingest(integration=prometheus, alerts=[parsed])
        run_due_escalations()
        return outcome

    return run


@pytest.fixture
def flap(send, firing, resolved):
    """flap(n): the alert fires and resolves n times, a STEP between state changes."""

    def run(times: int):
        return [send(parsed) for _ in range(times) for parsed in (firing(), resolved())]

    return run


def pages_to(user) -> int:
    return OutboxMessage.objects.filter(purpose=Purpose.PAGE, address=user.email).count()


def mails_to(team) -> list[str]:
    """What the team's mailing list was sent, oldest first, by purpose."""
    return list(
        OutboxMessage.objects.filter(address=team.email)
        .order_by("id")
        .values_list("purpose", flat=True)
    )


def flapping_notes(incident) -> list[str]:
    return list(
        incident.timeline.filter(kind=Event.ALERT, data__flapping=True).values_list(
            "message", flat=True
        )
    )


def test_the_defaults_are_4_changes_in_10_minutes_and_10_quiet_minutes():
    assert FLAPPING_CHANGES == 4
    assert timedelta(minutes=10) == FLAPPING_WINDOW
    assert timedelta(minutes=10) == QUIET_PERIOD


def test_130_flaps_in_60_seconds_keep_one_incident_open_and_page_alice_no_more(
    flap, lead, payments
):
    # Fired, resolved, fired again (a reopen, as without flapping), resolved again: flapping.
    outcomes = flap(2)
    incident = Incident.objects.get()
    assert incident.status == Status.TRIGGERED
    assert outcomes[-1].decisions[-1] == (
        f"{incident.reference} stays open: CheckoutErrors on fp-1 is flapping (since "
        "10:00:00 UTC); it resolves once its alerts have stayed resolved for 10 minutes"
    )
    assert pages_to(lead) == 2  # the first firing and the one reopen
    assert mails_to(payments) == [Purpose.RESOLUTION, Purpose.TEAM_NOTIFICATION]
    assert flapping_notes(incident) == [flapping_note(incident)]
    timeline = incident.timeline.count()

    outcomes = flap(FLAPS - 2)

    assert Incident.objects.count() == 1
    incident.refresh()
    assert incident.status == Status.TRIGGERED
    assert pages_to(lead) == 2
    assert mails_to(payments) == [Purpose.RESOLUTION, Purpose.TEAM_NOTIFICATION]
    assert incident.timeline.filter(kind=Event.REOPENED).count() == 1
    assert incident.timeline.filter(kind=Event.RESOLVED).count() == 1
    assert flapping_notes(incident) == [flapping_note(incident)]
    # The flapping alert fires and resolves in place: no new alert, no line per turn; every
    # request is still on the alert's page.
    assert incident.timeline.count() == timeline
    alert = Alert.objects.get(flapping_since__isnull=False)
    assert Alert.objects.count() == 2 and alert.count == FLAPS - 1
    assert AlertEvent.objects.filter(alert=alert).count() == 2 * FLAPS - 2
    assert outcomes[-2].decisions == [
        "Fired again while flapping (since 10:00:00 UTC): "
        f"{incident.reference} stays open: no reopen, no page"
    ]
    assert outcomes[-2].incident == incident and outcomes[-1].incident == incident


def test_the_quiet_period_job_resolves_it_once_the_alert_stayed_resolved_for_10_minutes(
    flap, clock, lead, payments
):
    flap(FLAPS)
    incident = Incident.objects.get()

    clock.shift(QUIET_PERIOD - timedelta(seconds=1))
    assert resolve_quiet_incidents() == 0
    assert incident.refresh().status == Status.TRIGGERED

    clock.shift(timedelta(seconds=1))
    assert resolve_quiet_incidents() == 1
    run_due_escalations()

    incident.refresh()
    assert incident.status == Status.RESOLVED
    assert incident.resolution.startswith("Its alerts stopped flapping: resolved for 10 minutes")
    assert pages_to(lead) == 2
    assert mails_to(payments) == [
        Purpose.RESOLUTION,
        Purpose.TEAM_NOTIFICATION,
        Purpose.RESOLUTION,
    ]
    assert not Alert.objects.filter(flapping_since__isnull=False).exists()
    assert resolve_quiet_incidents() == 0
    assert incident.timeline.filter(kind=Event.RESOLVED).count() == 2


def test_firing_during_the_quiet_period_starts_it_again_and_pages_nobody(
    flap, send, firing, resolved, clock, lead
):
    flap(FLAPS)
    incident = Incident.objects.get()
    send(firing(), after=timedelta(minutes=5))
    send(resolved(), after=timedelta(minutes=1))

    clock.shift(QUIET_PERIOD - timedelta(minutes=1))
    assert resolve_quiet_incidents() == 0
    clock.shift(timedelta(minutes=1))
    assert resolve_quiet_incidents() == 1
    assert incident.refresh().status == Status.RESOLVED
    assert pages_to(lead) == 2


def test_an_alert_that_resolves_and_fires_again_once_resolves_and_reopens_as_before(
    send, firing, resolved, lead, payments
):
    send(firing())
    first = send(resolved(), after=timedelta(seconds=1))
    assert first.incident.refresh().status == Status.RESOLVED
    again = send(firing(), after=timedelta(seconds=1))
    assert again.incident == first.incident and again.incident.refresh().status == Status.TRIGGERED
    assert again.incident.timeline.filter(kind=Event.REOPENED).count() == 1

    # The fourth change falls 10½ minutes after the first: 3 within the window, not flapping.
    last = send(resolved(), after=timedelta(minutes=10, seconds=28))

    incident = last.incident.refresh()
    assert incident.status == Status.RESOLVED
    assert last.decisions[-1] == f"Resolved {incident.reference}: all of its alerts resolved"
    assert flapping_notes(incident) == []
    assert pages_to(lead) == 2
    assert mails_to(payments) == [
        Purpose.RESOLUTION,
        Purpose.TEAM_NOTIFICATION,
        Purpose.RESOLUTION,
    ]


@pytest.mark.parametrize("minutes", [4, 6])
def test_an_alert_changing_state_every_few_minutes_is_not_flapping(send, firing, resolved, minutes):
    gap = timedelta(minutes=minutes)
    for _ in range(4):
        send(firing(), after=gap)
        last = send(resolved(), after=gap)
        assert last.incident.refresh().status == Status.RESOLVED
    assert not Alert.objects.filter(flapping_since__isnull=False).exists()
    assert last.incident.timeline.filter(kind=Event.REOPENED).count() == 3


def test_changing_state_every_3_minutes_is_flapping(send, firing, resolved):
    gap = timedelta(minutes=3)
    send(firing(), after=gap)
    send(resolved(), after=gap)
    send(firing(), after=gap)
    last = send(resolved(), after=gap)  # 4 changes within 9 minutes
    assert last.incident.refresh().status == Status.TRIGGERED
    assert "is flapping" in last.decisions[-1]


def test_the_incident_page_says_it_is_flapping(flap, signed_in, member):
    flap(3)
    incident = Incident.objects.get()
    html = body(signed_in(member).get(reverse("incident-detail", args=[incident.pk])))
    assert "<dt>Flapping</dt>" in html
    note = html.split('id="incident-flapping">')[1].split("</dd>")[0]
    assert note == (
        "CheckoutErrors on fp-1 has been flapping since 10:00 UTC: it keeps resolving and "
        f"firing again, so {incident.reference} stays open instead of resolving and "
        "reopening with every change. It resolves once its alerts have stayed resolved for "
        "10 minutes."
    )
    alerts = html.split('id="incident-alerts"')[1].split("</dd>")[0]
    assert "· resolved · flapping" in alerts


def test_the_incident_page_says_nothing_of_flapping_once_resolved(flap, clock, signed_in, member):
    flap(3)
    clock.shift(QUIET_PERIOD)
    resolve_quiet_incidents()
    incident = Incident.objects.get()
    html = body(signed_in(member).get(reverse("incident-detail", args=[incident.pk])))
    assert "<dt>Flapping</dt>" not in html and 'id="incident-flapping"' not in html
    assert "flapping" not in html.split('id="incident-alerts"')[1].split("</dd>")[0]


def test_a_flapping_incident_resolved_by_hand_stays_resolved(flap, clock, member, payments):
    flap(3)
    incident = Incident.objects.get()
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Fixed the health check")
    mails = mails_to(payments)

    clock.shift(QUIET_PERIOD)
    assert resolve_quiet_incidents() == 0
    assert incident.refresh().resolution == "Fixed the health check"
    assert mails_to(payments) == mails


def test_another_alert_still_firing_keeps_the_incident_open_after_the_quiet_period(
    flap, send, firing, clock
):
    flap(3)
    other = send(firing("fp-2"))
    clock.shift(QUIET_PERIOD)
    assert resolve_quiet_incidents() == 0
    assert other.incident.refresh().status == Status.TRIGGERED
    assert not Alert.objects.filter(flapping_since__isnull=False).exists()


def test_with_auto_resolve_off_the_quiet_period_resolves_nothing(prometheus, flap, clock):
    prometheus.auto_resolve = False
    prometheus.save()
    flap(3)
    clock.shift(QUIET_PERIOD)
    assert resolve_quiet_incidents() == 0
    assert Incident.objects.get().status == Status.TRIGGERED


def test_firing_after_a_person_resolved_it_reopens_it_as_any_alert_does(
    flap, send, firing, member, lead
):
    flap(3)
    incident = Incident.objects.get()
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Fixed the health check")

    again = send(firing(), after=timedelta(minutes=1))

    assert again.incident == incident and incident.refresh().status == Status.TRIGGERED
    assert incident.timeline.filter(kind=Event.REOPENED).count() == 2
    assert pages_to(lead) == 3


def test_with_a_reopen_window_of_0_every_firing_opens_a_new_incident(prometheus, flap):
    prometheus.reopen_window = timedelta(0)
    prometheus.save()
    flap(3)
    assert list(Incident.objects.values_list("status", flat=True)) == [Status.RESOLVED] * 3


def test_the_worker_looks_for_quiet_flapping_alerts_every_minute():
    [job] = [job for job in PERIODIC if job.run is resolve_quiet_incidents]
    assert job.every == 60
