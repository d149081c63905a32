"""Alert storms: past its limit an integration's alerts are all accepted and kept, its new alerts
join one storm incident that pages once, and that incident resolves by itself when a whole
minute has passed under the limit (docs/integrations/index.md#alert-storms)."""

import copy
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.intake import drain
from tests.support.samples import sample
from tests.support.web import page_text
from tocsin.alerting.models import Alert, AlertStatus, IntakeEvent
from tocsin.alerting.storms import end_storms
from tocsin.incidents.models import Incident, Status
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations

pytestmark = pytest.mark.usefixtures("alice_on_call")

NAMES = [f"Probe{n}Failed" for n in range(10)]


def notification(alertname: str, hosts, *, status: str = "firing") -> dict:
    """One Alertmanager notification for one alert group: `alertname` on every host in `hosts`."""
    body = copy.deepcopy(sample("alertmanager-v4-firing.raw.json"))
    [template] = body["alerts"]
    body["status"] = status
    body["groupLabels"] = {"alertname": alertname}
    body["alerts"] = [
        {
            **template,
            "status": status,
            "labels": {"alertname": alertname, "instance": host, "severity": "critical"},
            "annotations": {"summary": f"{alertname} on {host}"},
            "fingerprint": f"{alertname}-{host}",
        }
        for host in hosts
    ]
    return body


def post(integration, body: dict):
    response = Client().post(
        f"/api/v1/integrations/{integration.token}/alertmanager",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    return response


def pages_to(user) -> int:
    run_due_escalations()
    return OutboxMessage.objects.filter(purpose=Purpose.PAGE, address=user.email).count()


@pytest.fixture
def limited(prometheus):
    """Prometheus with a limit of 60 alerts a minute: storms of tens of alerts, not thousands."""
    prometheus.rate_limit_per_minute = 60
    prometheus.save()
    return prometheus


def a_data_centre_goes_dark(prometheus, *, notifications=50, hosts=100):
    """`notifications` × `hosts` alerts within the minute: ten probes fail on every host."""
    for n in range(notifications):
        name = NAMES[n % len(NAMES)]
        post(prometheus, notification(name, [f"dc1-{n:02}-{h:03}" for h in range(hosts)]))


def test_a_storm_of_5000_alerts_in_a_minute_is_one_incident_that_pages_once(
    prometheus, lead, clock
):
    a_data_centre_goes_dark(prometheus)  # 5,000 alerts, 50 requests, all within the minute
    assert IntakeEvent.objects.count() == 50
    drain()

    [storm] = Incident.objects.all()
    assert storm.title == "Alert storm: 5000 alerts in 60 s from Prometheus"
    assert storm.status == Status.TRIGGERED and storm.team.name == "Payments"
    assert storm.severity.key == "P1"
    assert Alert.objects.filter(incident=storm, status=AlertStatus.FIRING).count() == 5000
    assert pages_to(lead) == 1
    prometheus.refresh_from_db()
    assert prometheus.storm_incident == storm and prometheus.storm_started_at is not None


def test_the_integration_page_says_it_is_in_a_storm_and_links_the_incident(
    limited, lead, signed_in, clock
):
    page = reverse("integration-detail", args=[limited.pk])
    assert "Alert storm since" not in page_text(signed_in(lead).get(page))

    a_data_centre_goes_dark(limited, notifications=7, hosts=10)
    drain()

    [storm] = Incident.objects.all()
    text = page_text(signed_in(lead).get(page))
    assert (
        f"Alert storm since 2 Mar 10:00:00: more than 60 alerts a minute. Every alert is kept; "
        f"new ones join {storm.reference} until a whole minute passes under the limit."
    ) in text


def test_the_storm_resolves_itself_a_quiet_minute_later_and_alerting_goes_back_to_normal(
    limited, lead, clock
):
    prometheus = limited
    a_data_centre_goes_dark(prometheus, notifications=7, hosts=10)  # 70 alerts: past 60
    drain()
    [storm] = Incident.objects.all()
    clock.shift(timedelta(seconds=30))
    assert end_storms() == 0  # still inside the stormy minute
    clock.shift(timedelta(seconds=31))
    assert end_storms() == 1

    storm.refresh_from_db()
    assert storm.status == Status.RESOLVED
    assert storm.resolution == (
        "The alert storm is over: a whole minute under 60 alerts. 70 alert(s) joined this "
        "incident; 70 still firing."
    )
    prometheus.refresh_from_db()
    assert prometheus.storm_started_at is None and prometheus.storm_incident is None
    post(prometheus, notification("DiskFull", ["db1"]))
    drain()
    assert Incident.objects.exclude(pk=storm.pk).get().title == "DiskFull on db1"


def test_during_a_storm_repeats_count_and_resolutions_leave_the_storm_incident_open(
    limited, lead, clock
):
    prometheus = limited
    a_data_centre_goes_dark(prometheus, notifications=7, hosts=10)
    hosts = [f"dc1-00-{h:03}" for h in range(10)]
    post(prometheus, notification(NAMES[0], hosts))  # the same 100 alerts again
    post(prometheus, notification(NAMES[0], hosts, status="resolved"))
    drain()

    [storm] = Incident.objects.all()
    assert storm.status == Status.TRIGGERED
    assert Alert.objects.count() == 70
    repeated = Alert.objects.filter(fingerprint__startswith=f"{NAMES[0]}-dc1-00-")
    assert {(a.count, a.status) for a in repeated} == {(2, AlertStatus.RESOLVED)}


def test_under_its_limit_an_integration_routes_every_alert_as_usual(limited, lead, clock):
    prometheus = limited
    a_data_centre_goes_dark(prometheus, notifications=6, hosts=10)  # 60: the limit, not past it
    drain()
    assert Incident.objects.count() == len(NAMES[:6])
    assert not Incident.objects.filter(title__startswith="Alert storm").exists()
    prometheus.refresh_from_db()
    assert prometheus.storm_started_at is None
